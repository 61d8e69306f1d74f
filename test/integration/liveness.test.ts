import type { NodeSnapshot, RegistryEvent } from '@switchyard/contracts';
import {
  ClusterViewStore,
  RegistryRepository,
  type ClusterViewStoreOptions,
  type NodeDownReason,
} from '@switchyard/cluster';
import { makeNodeSnapshot, waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

/*
 * A node's liveness is judged on Redis's clock. The view's own clock only makes it suspect a
 * node; a gateway that processes heartbeats late must not declare healthy nodes gone.
 */

const STALE_AFTER_MS = 400;
const CHECK_TICK_MS = 50;
/** Slack for timers and round trips on a loaded machine; far below a second stale period. */
const SLACK_MS = 250;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('liveness from Redis-side facts', () => {
  const ctx = useRedisContext();

  interface Recorded {
    view: ClusterViewStore;
    downs: { nodeId: string; reason: NodeDownReason; atMs: number }[];
  }

  async function startView(
    repo: RegistryRepository,
    opts: Partial<ClusterViewStoreOptions> = {},
  ): Promise<Recorded> {
    const view = new ClusterViewStore(ctx.connect('view-sub'), repo, ctx.keys, {
      staleAfterMs: STALE_AFTER_MS,
      resyncIntervalMs: 60_000,
      checkIntervalMs: CHECK_TICK_MS,
      ...opts,
    });
    const rec: Recorded = { view, downs: [] };
    view.on('nodeDown', (nodeId, reason) => rec.downs.push({ nodeId, reason, atMs: Date.now() }));
    ctx.teardown.add(() => view.close());
    await view.start();
    return rec;
  }

  function heartbeatEvery(repo: RegistryRepository, id: string, ms: number): () => void {
    const timer = setInterval(() => {
      repo.heartbeat(makeNodeSnapshot(id, { at: Date.now() })).catch(() => undefined);
    }, ms);
    const stop = (): void => clearInterval(timer);
    ctx.teardown.add(stop);
    return stop;
  }

  const ids = (nodes: readonly NodeSnapshot[]): string[] => nodes.map((s) => s.info.id);

  it('stamps each heartbeat with Redis TIME, in the record and in the event', async () => {
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: 5000 });
    const sub = ctx.connect('events-sub');
    const events: RegistryEvent[] = [];
    sub.on('message', (_channel: string, raw: string) =>
      events.push(JSON.parse(raw) as RegistryEvent),
    );
    await sub.subscribe(ctx.keys.registryEvents);

    const stamp = await repo.heartbeat(makeNodeSnapshot('node-a'));

    const [seconds, micros] = await ctx.redis.time();
    const redisNowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    expect(redisNowMs - stamp).toBeGreaterThanOrEqual(0);
    expect(redisNowMs - stamp).toBeLessThan(1000);
    expect(Number(await ctx.redis.hget(ctx.keys.node('node-a'), 'heartbeatAt'))).toBe(stamp);
    await waitFor(() => events.length === 1, { what: 'the heartbeat event' });
    expect(events[0]).toMatchObject({ type: 'heartbeat', heartbeatAt: stamp });

    const facts = await repo.liveness(['node-a', 'node-b']);
    expect(facts.get('node-a')).toEqual({ aliveKey: true, heartbeatAgeMs: expect.any(Number) });
    expect(facts.get('node-a')!.heartbeatAgeMs).toBeLessThan(1000);
    expect(facts.get('node-b')).toEqual({ aliveKey: false, heartbeatAgeMs: null });
  });

  it('a view whose clock runs far ahead of its event processing keeps a node that heartbeats', async () => {
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: 1000 });
    // Twenty times faster than real time: every gap between two processed heartbeats looks
    // like 2 s to this view, five stale periods, as it would to a gateway stalled that long.
    const origin = Date.now();
    const rec = await startView(repo, { now: () => origin + (Date.now() - origin) * 20 });
    const asked = jest.spyOn(repo, 'liveness');
    await repo.heartbeat(makeNodeSnapshot('node-a', { at: Date.now() }));
    heartbeatEvery(repo, 'node-a', 100);
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });

    const placeable: string[][] = [];
    for (let i = 0; i < 20; i++) {
      placeable.push(ids(rec.view.nodes()));
      await sleep(CHECK_TICK_MS);
    }

    expect(asked).toHaveBeenCalledWith(['node-a']);
    expect(rec.downs).toEqual([]);
    // What placement sees does not flap while the node is suspected.
    expect(new Set(placeable.map((p) => p.join()))).toEqual(new Set(['node-a']));
  });

  it('a node whose heartbeats stop is down within staleAfterMs and a check, alive key or not', async () => {
    // The alive key outlives the stale period: the Redis-side heartbeat age decides.
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: 5000 });
    const rec = await startView(repo);
    const stop = heartbeatEvery(repo, 'node-a', 100);
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });
    await sleep(300);

    stop();
    const lastHeartbeatMs = Date.now();

    await waitFor(() => rec.downs.length > 0, { timeoutMs: 3000, what: 'nodeDown' });
    expect(rec.downs).toEqual([{ nodeId: 'node-a', reason: 'stale', atMs: expect.any(Number) }]);
    expect(rec.downs[0]!.atMs - lastHeartbeatMs).toBeLessThanOrEqual(
      STALE_AFTER_MS + CHECK_TICK_MS + SLACK_MS,
    );
    expect(rec.view.nodes()).toEqual([]);
    expect(await ctx.redis.exists(ctx.keys.nodeAlive('node-a'))).toBe(1);
  });

  it('a node whose alive key expires is down within staleAfterMs and a check', async () => {
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: STALE_AFTER_MS });
    const rec = await startView(repo);
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });
    // An old worker: no Redis-side stamp, only the alive key's TTL to go by.
    await ctx.redis.hdel(ctx.keys.node('node-a'), 'heartbeatAt');
    const lastHeartbeatMs = Date.now();

    await waitFor(() => rec.downs.length > 0, { timeoutMs: 3000, what: 'nodeDown' });
    expect(rec.downs[0]!.atMs - lastHeartbeatMs).toBeLessThanOrEqual(
      STALE_AFTER_MS + CHECK_TICK_MS + SLACK_MS,
    );
  });

  it('activity from a suspected node keeps it in the view, until it stops too', async () => {
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: STALE_AFTER_MS });
    const rec = await startView(repo);
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });

    // No more heartbeats, but replies from the node keep arriving.
    for (let i = 0; i < 12; i++) {
      rec.view.sawActivity('node-a');
      await sleep(100);
    }
    expect(rec.downs).toEqual([]);
    expect(ids(rec.view.nodes())).toEqual(['node-a']);

    const lastActivityMs = Date.now();
    await waitFor(() => rec.downs.length > 0, { timeoutMs: 3000, what: 'nodeDown' });
    expect(rec.downs[0]!.atMs - lastActivityMs).toBeLessThanOrEqual(
      STALE_AFTER_MS + CHECK_TICK_MS + SLACK_MS,
    );

    rec.view.sawActivity('node-a');
    expect(rec.view.nodes()).toEqual([]);
  });

  it('does not declare a suspect gone while Redis cannot be asked', async () => {
    const repo = new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: STALE_AFTER_MS });
    const rec = await startView(repo);
    const errors: Error[] = [];
    rec.view.on('error', (err) => errors.push(err));
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });
    const liveness = jest
      .spyOn(repo, 'liveness')
      .mockRejectedValue(new Error('Connection is closed.'));

    await sleep(3 * STALE_AFTER_MS);
    expect(errors.length).toBeGreaterThan(0);
    expect(rec.downs).toEqual([]);
    expect(ids(rec.view.nodes())).toEqual(['node-a']);

    liveness.mockRestore();
    await waitFor(() => rec.downs.length > 0, { timeoutMs: 3000, what: 'nodeDown' });
  });
});
