import type { NodeSnapshot } from '@switchyard/contracts';
import {
  ClusterViewStore,
  RegistryRepository,
  type ClusterViewStoreOptions,
  type NodeDownReason,
} from '@switchyard/cluster';
import { makeNodeSnapshot, waitFor } from '@switchyard/testing';
import { useRedisContext } from './redis-context';

const ALIVE_TTL_MS = 400;
const STALE_AFTER_MS = 400;
const CHECK_TICK_MS = 250;

describe('registry and cluster view', () => {
  const ctx = useRedisContext();

  function repository(): RegistryRepository {
    return new RegistryRepository(ctx.redis, ctx.keys, { aliveTtlMs: ALIVE_TTL_MS });
  }

  interface Recorded {
    view: ClusterViewStore;
    ups: NodeSnapshot[];
    downs: { nodeId: string; reason: NodeDownReason; atMs: number }[];
  }

  async function startView(
    repo: RegistryRepository,
    opts: Partial<ClusterViewStoreOptions> = {},
  ): Promise<Recorded> {
    const view = new ClusterViewStore(ctx.connect('view-sub'), repo, ctx.keys, {
      staleAfterMs: STALE_AFTER_MS,
      resyncIntervalMs: 60_000,
      ...opts,
    });
    const rec: Recorded = { view, ups: [], downs: [] };
    view.on('nodeUp', (s) => rec.ups.push(s));
    view.on('nodeDown', (nodeId, reason) => rec.downs.push({ nodeId, reason, atMs: Date.now() }));
    ctx.teardown.add(() => view.close());
    await view.start();
    return rec;
  }

  function heartbeatEvery(repo: RegistryRepository, id: string, ms: number): () => void {
    const timer = setInterval(() => {
      repo.heartbeat(makeNodeSnapshot(id)).catch(() => undefined);
    }, ms);
    const stop = (): void => clearInterval(timer);
    ctx.teardown.add(stop);
    return stop;
  }

  it('a joining node is listed by listAlive and appears in the view', async () => {
    const repo = repository();
    const rec = await startView(repo);

    await repo.heartbeat(makeNodeSnapshot('node-a', { models: ['llama-3'] }));

    expect((await repo.listAlive()).map((s) => s.info.id)).toEqual(['node-a']);
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });
    expect(rec.view.nodes()[0]?.info.id).toBe('node-a');
    expect(rec.ups.map((s) => s.info.id)).toEqual(['node-a']);
    expect(rec.view.knownModels()).toEqual(new Set(['llama-3']));
  });

  it('heartbeats keep a node alive well past its ttl', async () => {
    const repo = repository();
    const rec = await startView(repo, { resyncIntervalMs: 150 });
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    heartbeatEvery(repo, 'node-a', 100);

    await new Promise((resolve) => setTimeout(resolve, 3 * ALIVE_TTL_MS));

    expect(rec.downs).toEqual([]);
    expect(rec.ups).toHaveLength(1);
    expect(rec.view.nodes().map((s) => s.info.id)).toEqual(['node-a']);
    expect((await repo.listAlive()).map((s) => s.info.id)).toEqual(['node-a']);
  });

  it('a node that stops heartbeating goes stale once, is pruned from the registry', async () => {
    const repo = repository();
    const rec = await startView(repo);
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });
    const lastHeartbeatMs = Date.now();

    await waitFor(() => rec.downs.length > 0, { timeoutMs: 3000, what: 'nodeDown' });
    expect(rec.downs[0]).toMatchObject({ nodeId: 'node-a', reason: 'stale' });
    // Slack for timers on a loaded machine; far below a second stale period.
    expect(rec.downs[0]!.atMs - lastHeartbeatMs).toBeLessThanOrEqual(
      STALE_AFTER_MS + CHECK_TICK_MS + 200,
    );
    expect(rec.view.nodes()).toEqual([]);

    await waitFor(async () => (await ctx.redis.exists(ctx.keys.nodeAlive('node-a'))) === 0, {
      what: 'alive key expiry',
    });
    expect(await repo.listAlive()).toEqual([]);
    expect(await ctx.redis.sismember(ctx.keys.nodes, 'node-a')).toBe(0);
    expect(await ctx.redis.exists(ctx.keys.node('node-a'))).toBe(0);

    // A resync that still finds nothing must not report the node down a second time.
    await rec.view.resync();
    await new Promise((resolve) => setTimeout(resolve, CHECK_TICK_MS * 2));
    expect(rec.downs).toHaveLength(1);
  });

  it('a node that comes back after going stale is up again', async () => {
    const repo = repository();
    const rec = await startView(repo);
    await repo.heartbeat(makeNodeSnapshot('node-a', { at: Date.now() }));
    await waitFor(() => rec.downs.length === 1, { timeoutMs: 3000, what: 'nodeDown' });

    await repo.heartbeat(makeNodeSnapshot('node-a', { at: Date.now() }));

    await waitFor(() => rec.ups.length === 2, { what: 'second nodeUp' });
    expect(rec.view.nodes().map((s) => s.info.id)).toEqual(['node-a']);
  });

  it('deregister sends the node down as "left" at once, through the events channel', async () => {
    const repo = repository();
    const rec = await startView(repo, { staleAfterMs: 10_000 });
    await repo.heartbeat(makeNodeSnapshot('node-a'));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });

    const leftAt = Date.now();
    await repo.deregister('node-a');

    await waitFor(() => rec.downs.length > 0, { timeoutMs: 1000, what: 'nodeDown' });
    expect(rec.downs).toEqual([{ nodeId: 'node-a', reason: 'left', atMs: expect.any(Number) }]);
    expect(rec.downs[0]!.atMs - leftAt).toBeLessThan(500);
    expect(rec.view.nodes()).toEqual([]);
    expect(await repo.listAlive()).toEqual([]);
  });

  it('a view started late learns the existing nodes by resync', async () => {
    const repo = repository();
    await repo.heartbeat(makeNodeSnapshot('node-a', { models: ['m1'] }));
    await repo.heartbeat(makeNodeSnapshot('node-b', { models: ['m2'] }));

    const rec = await startView(repo);

    expect(
      rec.view
        .nodes()
        .map((s) => s.info.id)
        .sort(),
    ).toEqual(['node-a', 'node-b']);
    expect(rec.view.knownModels()).toEqual(new Set(['m1', 'm2']));
  });

  it('keeps the newest snapshot and ignores malformed events', async () => {
    const repo = repository();
    const rec = await startView(repo);
    const now = Date.now();
    await repo.heartbeat(makeNodeSnapshot('node-a', { at: now, slots: 8 }));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });

    const older = makeNodeSnapshot('node-a', { at: now - 1000, slots: 2 });
    await ctx.redis.publish(
      ctx.keys.registryEvents,
      JSON.stringify({ type: 'heartbeat', snapshot: older }),
    );
    await ctx.redis.publish(ctx.keys.registryEvents, 'not json');
    await ctx.redis.publish(
      ctx.keys.registryEvents,
      JSON.stringify({ type: 'heartbeat', snapshot: { at: 1 } }),
    );
    await ctx.redis.publish(
      ctx.keys.registryEvents,
      JSON.stringify({ type: 'left', nodeId: 'bad id!' }),
    );

    await waitFor(() => rec.view.malformedEvents === 3, { what: 'three malformed events counted' });
    expect(rec.view.node('node-a')?.info.slots).toBe(8);
    expect(rec.downs).toEqual([]);
  });

  it('listAlive skips a node whose snapshot does not parse, without pruning it', async () => {
    const repo = repository();
    await ctx.redis.hset(ctx.keys.node('node-x'), 'snapshot', '{"broken"');
    await ctx.redis.set(ctx.keys.nodeAlive('node-x'), '1', 'PX', 5000);
    await ctx.redis.sadd(ctx.keys.nodes, 'node-x');

    expect(await repo.listAlive()).toEqual([]);
    expect(await ctx.redis.sismember(ctx.keys.nodes, 'node-x')).toBe(1);
  });

  it('remembers the models of departed nodes as known (503, not 404)', async () => {
    const repo = repository();
    const rec = await startView(repo);
    await repo.heartbeat(makeNodeSnapshot('node-a', { models: ['only-here'] }));
    await waitFor(() => rec.view.nodes().length === 1, { what: 'node-a in the view' });

    await repo.deregister('node-a');
    await waitFor(() => rec.downs.length === 1, { what: 'nodeDown' });

    expect(rec.view.knownModels().has('only-here')).toBe(true);
  });

  it('a restarted node (new startedAt) is reported down then up', async () => {
    const repo = repository();
    const rec = await startView(repo, { staleAfterMs: 10_000 });
    await repo.heartbeat(makeNodeSnapshot('node-a', { startedAt: 1000 }));
    await waitFor(() => rec.ups.length === 1, { what: 'first nodeUp' });

    await repo.heartbeat(makeNodeSnapshot('node-a', { startedAt: 2000 }));

    await waitFor(() => rec.ups.length === 2, { what: 'second nodeUp' });
    expect(rec.downs.map((d) => [d.nodeId, d.reason])).toEqual([['node-a', 'stale']]);
    expect(rec.view.node('node-a')?.info.startedAt).toBe(2000);
  });
});
