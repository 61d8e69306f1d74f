import type { NodeSnapshot } from '@switchyard/contracts';
import { makeNodeSnapshot } from '@switchyard/testing';
import { parseNodeSnapshot, parseRegistryEvent } from './registry-event.schema';

/** What a worker writes must reach the gateway whole: the schema may not drop a field. */
describe('registry snapshot schema', () => {
  const base = makeNodeSnapshot('node-1');
  const full: NodeSnapshot = {
    ...base,
    info: {
      ...base.info,
      stateReason: 'engine unreachable',
      embeddings: true,
      agentUrl: 'http://127.0.0.1:9000',
    },
  };

  it('keeps every optional field of the node info', () => {
    expect(parseNodeSnapshot(JSON.stringify(full))).toEqual(full);
  });

  it('keeps them inside registry events too', () => {
    const event = { type: 'heartbeat', snapshot: full };
    expect(parseRegistryEvent(JSON.stringify(event))).toMatchObject({ snapshot: full });
  });

  it('refuses a snapshot with a wrongly typed field', () => {
    const bad = { ...full, info: { ...full.info, embeddings: 'yes' } };
    expect(parseNodeSnapshot(JSON.stringify(bad))).toBeUndefined();
  });
});
