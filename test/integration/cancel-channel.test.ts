import { CancelListener, CancelSender, isCancelled } from '@switchyard/cluster';
import { waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

describe('cancel channel', () => {
  const ctx = useRedisContext();

  it('reaches the node listener and leaves a cancel mark', async () => {
    const received: string[] = [];
    const otherNode: string[] = [];
    const listener = new CancelListener(ctx.connect('cancel-sub'), ctx.keys, 'node-a', (id) =>
      received.push(id),
    );
    const other = new CancelListener(ctx.connect('cancel-sub-b'), ctx.keys, 'node-b', (id) =>
      otherNode.push(id),
    );
    ctx.teardown.add(() => listener.close());
    ctx.teardown.add(() => other.close());
    await listener.start();
    await other.start();

    expect(await isCancelled(ctx.redis, ctx.keys, 'req-1')).toBe(false);
    await new CancelSender(ctx.redis, ctx.keys).cancel('node-a', 'req-1');

    await waitFor(() => received.length === 1, { what: 'cancel received' });
    expect(received).toEqual(['req-1']);
    expect(otherNode).toEqual([]);
    expect(await isCancelled(ctx.redis, ctx.keys, 'req-1')).toBe(true);
    expect(await isCancelled(ctx.redis, ctx.keys, 'req-2')).toBe(false);
    const ttl = await ctx.redis.ttl(ctx.keys.cancelled('req-1'));
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('a cancel sent before anyone listens is still seen by isCancelled', async () => {
    await new CancelSender(ctx.redis, ctx.keys).cancel('node-a', 'req-early');
    expect(await isCancelled(ctx.redis, ctx.keys, 'req-early')).toBe(true);
  });

  it('a throwing handler does not stop later cancels', async () => {
    const received: string[] = [];
    const listener = new CancelListener(ctx.connect('cancel-sub'), ctx.keys, 'node-a', (id) => {
      received.push(id);
      throw new Error('handler bug');
    });
    ctx.teardown.add(() => listener.close());
    await listener.start();
    const sender = new CancelSender(ctx.redis, ctx.keys);

    await sender.cancel('node-a', 'req-1');
    await sender.cancel('node-a', 'req-2');

    await waitFor(() => received.length === 2, { what: 'both cancels received' });
  });
});
