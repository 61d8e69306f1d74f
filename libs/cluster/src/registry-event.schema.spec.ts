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

  it('keeps the Redis-side heartbeat time, and accepts events from workers without it', () => {
    const event = { type: 'heartbeat', snapshot: full, heartbeatAt: 1_733_590_000_123 };
    expect(parseRegistryEvent(JSON.stringify(event))).toEqual(event);
    expect(parseRegistryEvent(JSON.stringify({ type: 'heartbeat', snapshot: full }))).toEqual({
      type: 'heartbeat',
      snapshot: full,
    });
  });

  it('refuses a snapshot with a wrongly typed field', () => {
    const bad = { ...full, info: { ...full.info, embeddings: 'yes' } };
    expect(parseNodeSnapshot(JSON.stringify(bad))).toBeUndefined();
  });
});
