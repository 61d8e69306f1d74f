import { encodeRelay, type RelayMessage, type StreamEvent } from '@switchyard/contracts';
import { ReplyHub, type RequestEvents } from '@switchyard/cluster';
import { waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

const GAP_TIMEOUT_MS = 300;

const start: StreamEvent = { type: 'start', nodeId: 'node-a', model: 'm', created: 1 };
const delta = (text: string): StreamEvent => ({ type: 'delta', index: 0, text });
const done: StreamEvent = { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] };

async function collect(events: RequestEvents): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('reply channel', () => {
  const ctx = useRedisContext();
  let hub: ReplyHub;
  let channel: string;
  /** One event per channel message, as a worker without coalescing would send it. */
  const publish = (msg: RelayMessage): Promise<number> =>
    ctx.redis.publish(channel, encodeRelay(msg));

  beforeEach(async () => {
    channel = ctx.keys.replyChannel('gw-1');
    hub = new ReplyHub(ctx.connect('hub-sub'), channel, { gapTimeoutMs: GAP_TIMEOUT_MS });
    ctx.teardown.add(() => hub.close());
    await hub.start();
  });

  const send = (requestId: string, seq: number, event: StreamEvent): Promise<number> =>
    publish({ requestId, seq, event });

  /** Returns once the hub has processed everything published so far (pub/sub keeps order). */
  async function syncWithHub(): Promise<void> {
    const marker = hub.open(`sync-${Math.random()}`);
    const iterator = marker[Symbol.asyncIterator]();
    await publish({ requestId: marker.requestId, seq: 0, event: done });
    await iterator.next();
    marker.close();
  }

  it('delivers messages published out of order in seq order', async () => {
    const events = hub.open('req-1');
    await send('req-1', 2, delta('b'));
    await send('req-1', 0, start);
    await send('req-1', 1, delta('a'));
    await send('req-1', 3, done);

    expect(await collect(events)).toEqual([start, delta('a'), delta('b'), done]);
    expect(hub.openRequests).toBe(0);
  });

  it('drops duplicates and anything after the terminal event', async () => {
    const events = hub.open('req-1');
    expect(await send('req-1', 0, start)).toBe(1);
    await send('req-1', 0, start);
    await send('req-1', 1, delta('a'));
    await send('req-1', 1, delta('a'));
    await send('req-1', 2, done);
    await send('req-1', 3, delta('too late'));

    expect(await collect(events)).toEqual([start, delta('a'), done]);
    // The late one lands as dropped or, once the finished request is unregistered, as an orphan.
    await waitFor(() => hub.droppedMessages + hub.orphanMessages === 3, {
      what: 'three messages dropped',
    });
  });

  it('ends with SY_STREAM_INTERRUPTED when a gap is not filled in time', async () => {
    const events = hub.open('req-1');
    const started = Date.now();
    await send('req-1', 0, start);
    await send('req-1', 1, delta('a'));
    await send('req-1', 3, delta('c'));

    const got = await collect(events);
    expect(Date.now() - started).toBeGreaterThanOrEqual(GAP_TIMEOUT_MS - 10);
    expect(got.slice(0, 2)).toEqual([start, delta('a')]);
    expect(got[2]).toMatchObject({
      type: 'error',
      code: 'SY_STREAM_INTERRUPTED',
      retryable: false,
      afterOutput: true,
    });
    expect(got).toHaveLength(3);
  });

  it('does not time out a gap that is filled in time', async () => {
    const events = hub.open('req-1');
    await send('req-1', 1, delta('a'));
    await new Promise((resolve) => setTimeout(resolve, GAP_TIMEOUT_MS / 2));
    await send('req-1', 0, start);
    await send('req-1', 2, done);

    expect(await collect(events)).toEqual([start, delta('a'), done]);
  });

  it('counts orphan and malformed messages and keeps going', async () => {
    const events = hub.open('req-1');
    await send('req-unknown', 0, start);
    await ctx.redis.publish(channel, 'not json');
    await ctx.redis.publish(channel, JSON.stringify({ r: 'req-1', s: -1, e: start }));
    await ctx.redis.publish(
      channel,
      JSON.stringify({ r: 'req-1', s: 0, e: { type: 'error', code: 'NOPE' } }),
    );
    await send('req-1', 0, start);
    await send('req-1', 1, done);

    expect(await collect(events)).toEqual([start, done]);
    expect(hub.orphanMessages).toBe(1);
    expect(hub.malformedMessages).toBe(3);
  });

  it('delivers an injected event after what is already deliverable', async () => {
    const events = hub.open('req-1');
    await send('req-1', 0, start);
    await send('req-1', 1, delta('a'));
    await send('req-1', 3, delta('held behind a gap'));
    await syncWithHub();
    const nodeDied: StreamEvent = {
      type: 'error',
      code: 'SY_STREAM_INTERRUPTED',
      message: 'node node-a stopped heartbeating',
      retryable: false,
    };

    expect(hub.inject('req-1', nodeDied)).toBe(true);
    expect(hub.inject('req-1', delta('after the end'))).toBe(false);
    expect(hub.inject('req-nope', nodeDied)).toBe(false);
    expect(await collect(events)).toEqual([start, delta('a'), nodeDied]);
  });

  it('close ends a waiting iteration and unregisters the request', async () => {
    const events = hub.open('req-1');
    const collected = collect(events);
    await send('req-1', 0, start);
    await syncWithHub();

    events.close();

    expect(await collected).toEqual([start]);
    expect(hub.openRequests).toBe(0);
    await send('req-1', 1, done);
    await waitFor(() => hub.orphanMessages === 1, { what: 'late message counted as orphan' });
  });

  it('refuses to open the same request twice', () => {
    hub.open('req-1');
    expect(() => hub.open('req-1')).toThrow(/already open/);
  });

  it('gives 200 concurrent requests exactly their own events', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => `req-${i}`);
    const streams = ids.map((id) => collect(hub.open(id)));
    const script = (id: string): StreamEvent[] => [start, delta(`${id}:a`), delta(`${id}:b`), done];

    // Interleave the requests, each with its own messages out of order (1, 0, 3, 2).
    const publishes: Promise<number>[] = [];
    for (const seq of [1, 0, 3, 2]) {
      for (const id of ids) publishes.push(send(id, seq, script(id)[seq]!));
    }
    await Promise.all(publishes);

    const results = await Promise.all(streams);
    results.forEach((events, i) => expect(events).toEqual(script(ids[i]!)));
    expect(hub.orphanMessages).toBe(0);
    expect(hub.openRequests).toBe(0);
  });
});
