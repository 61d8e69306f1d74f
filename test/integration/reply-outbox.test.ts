import type { StreamEvent } from '@switchyard/contracts';
import { ReplyHub, ReplyOutbox, type RequestEvents } from '@switchyard/cluster';
import { useRedisContext } from './redis-context';

const delta = (text: string): StreamEvent => ({ type: 'delta', index: 0, text });
const done: StreamEvent = { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] };

async function collect(events: RequestEvents): Promise<StreamEvent[]> {
  const out: StreamEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

describe('reply outbox', () => {
  const ctx = useRedisContext();

  async function setUp(lingerMs: number) {
    const channel = ctx.keys.replyChannel('gw-outbox');
    const hub = new ReplyHub(ctx.connect('hub-sub'), channel);
    ctx.teardown.add(() => hub.close());
    await hub.start();
    // Counts PUBLISH calls on the worker's connection.
    const publisher = ctx.connect('outbox');
    let publishes = 0;
    const publish = publisher.publish.bind(publisher);
    publisher.publish = (...args: Parameters<typeof publish>) => {
      publishes++;
      return publish(...args);
    };
    return {
      channel,
      hub,
      outbox: new ReplyOutbox(publisher, { lingerMs }),
      publishes: () => publishes,
    };
  }

  it('coalesces a fast token stream into few publishes, in order, across requests', async () => {
    const { channel, hub, outbox, publishes } = await setUp(20);
    const a = hub.open('req-a');
    const b = hub.open('req-b');
    const sent: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      sent.push(
        outbox.send(channel, { requestId: 'req-a', seq: i, event: delta(`a${i}`) }, 'soon'),
      );
      sent.push(
        outbox.send(channel, { requestId: 'req-b', seq: i, event: delta(`b${i}`) }, 'soon'),
      );
    }
    sent.push(outbox.send(channel, { requestId: 'req-a', seq: 50, event: done }, 'now'));
    sent.push(outbox.send(channel, { requestId: 'req-b', seq: 50, event: done }, 'now'));
    await Promise.all(sent);

    const [eventsA, eventsB] = await Promise.all([collect(a), collect(b)]);
    expect(eventsA).toEqual([...Array.from({ length: 50 }, (_, i) => delta(`a${i}`)), done]);
    expect(eventsB).toEqual([...Array.from({ length: 50 }, (_, i) => delta(`b${i}`)), done]);
    // 102 events, published together: the urgent terminal events flushed the rest with them.
    expect(publishes()).toBeLessThanOrEqual(2);
    expect(hub.malformedMessages).toBe(0);
  });

  it('an urgent event leaves at once; a lingering one within the linger', async () => {
    const { channel, hub, outbox, publishes } = await setUp(1000);
    const events = hub.open('req-1')[Symbol.asyncIterator]();
    const t0 = performance.now();
    await outbox.send(channel, { requestId: 'req-1', seq: 0, event: delta('first') }, 'now');
    expect(performance.now() - t0).toBeLessThan(800);
    expect((await events.next()).value).toEqual(delta('first'));

    const t1 = performance.now();
    await outbox.send(channel, { requestId: 'req-1', seq: 1, event: delta('later') }, 'soon');
    expect(performance.now() - t1).toBeGreaterThanOrEqual(990);
    expect((await events.next()).value).toEqual(delta('later'));
    expect(publishes()).toBe(2);
  });

  it('a failed publish rejects the sends it carried, and the next ones still go', async () => {
    const { channel, hub, outbox } = await setUp(5);
    const events = hub.open('req-1');
    const broken = ctx.connect('broken');
    await broken.quit();
    const failing = new ReplyOutbox(broken);
    await expect(
      failing.send(channel, { requestId: 'req-1', seq: 0, event: delta('x') }, 'now'),
    ).rejects.toThrow();
    await outbox.send(channel, { requestId: 'req-1', seq: 0, event: done }, 'now');
    expect(await collect(events)).toEqual([done]);
  });

  it('sends a publish nobody heard again until a subscriber hears it (a failover moving the gateway)', async () => {
    const channel = ctx.keys.replyChannel('gw-late');
    const outbox = new ReplyOutbox(ctx.connect('outbox-late'), { lingerMs: 1 });
    const sent = outbox.send(channel, { requestId: 'req-late', seq: 0, event: done }, 'now');
    // The gateway's subscriber comes back 300 ms later, as after a reconnect to a new master.
    await new Promise((r) => setTimeout(r, 300));
    const hub = new ReplyHub(ctx.connect('hub-late'), channel);
    ctx.teardown.add(() => hub.close());
    const events = hub.open('req-late');
    await hub.start();
    await sent;
    expect(await collect(events)).toEqual([done]);
  });

  it('gives up on a channel nobody hears within the retry window', async () => {
    const outbox = new ReplyOutbox(ctx.connect('outbox-void'), {
      lingerMs: 1,
      unheardRetryMs: 300,
    });
    const started = Date.now();
    await outbox.send(
      ctx.keys.replyChannel('gw-gone'),
      { requestId: 'r', seq: 0, event: done },
      'now',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
