import { emptyLoad, type NodeSnapshot } from '@switchyard/contracts';
import { parseNodeSnapshot, parseRegistryEvent } from './registry-event.schema';

const snapshot: NodeSnapshot = {
  info: {
    id: 'node-a',
    engine: 'llamacpp',
    models: ['m'],
    slots: 4,
    state: 'ready',
    labels: { zone: 'a' },
    embeddings: true,
    agentUrl: 'http://127.0.0.1:9000',
    startedAt: 1_700_000_000_000,
    version: '0.1.0',
  },
  load: emptyLoad(4),
  at: 1_700_000_000_500,
};

describe('registry records read back from Redis', () => {
  it('keep every field of a node record, including whether it serves embeddings', () => {
    expect(parseNodeSnapshot(JSON.stringify(snapshot))).toEqual(snapshot);
    expect(parseRegistryEvent(JSON.stringify({ type: 'heartbeat', snapshot }))).toEqual({
      type: 'heartbeat',
      snapshot,
    });
  });

  it('refuse a record that is not a node snapshot', () => {
    expect(parseNodeSnapshot('{"info":{}}')).toBeUndefined();
    expect(parseNodeSnapshot('not json')).toBeUndefined();
  });
});
