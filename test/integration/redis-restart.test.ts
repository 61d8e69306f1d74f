import { keySpace } from '@switchyard/contracts';
import { ClusterViewStore, createRedis, RegistryRepository } from '@switchyard/cluster';
import {
  makeNodeSnapshot,
  randomPrefix,
  startPrivateRedis,
  Teardown,
  waitFor,
  type PrivateRedis,
} from '@switchyard/testing';
import type { RedisClient } from '@switchyard/cluster';

jest.setTimeout(30_000);

describe('surviving a Redis restart', () => {
  let server: PrivateRedis;
  const teardown = new Teardown();

  beforeAll(async () => {
    server = await startPrivateRedis();
  });

  afterEach(() => teardown.run());

  afterAll(async () => {
    await server?.stop();
  });

  /** Connection errors are expected here while Redis is down; collect them instead of logging. */
  function connect(name: string, errors: Error[]): RedisClient {
    const conn = createRedis(server.url, { name });
    conn.on('error', (err: Error) => errors.push(err));
    teardown.add(() => conn.quit().catch(() => conn.disconnect()));
    return conn;
  }

  it.each([
    ['a clean restart', (): Promise<void> => server.restart()],
    [
      'a crash (kill -9) and a restart half a second later',
      async (): Promise<void> => {
        server.kill9();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await server.restart();
      },
    ],
  ])('after %s, the view resubscribes and sees heartbeats again', async (_what, breakRedis) => {
    const errors: Error[] = [];
    const keys = keySpace(randomPrefix());
    const repo = new RegistryRepository(connect('sytest-reg', errors), keys, { aliveTtlMs: 3000 });
    const view = new ClusterViewStore(connect('sytest-view-sub', errors), repo, keys, {
      staleAfterMs: 3000,
      // Long, so only the events channel (and the resync on reconnect) can refresh the view.
      resyncIntervalMs: 60_000,
    });
    view.on('error', (err) => errors.push(err));
    teardown.add(() => view.close());

    let beats = 0;
    const timer = setInterval(() => {
      repo.heartbeat(makeNodeSnapshot('node-a', { at: Date.now() })).then(
        () => beats++,
        () => undefined,
      );
    }, 100);
    teardown.add(() => clearInterval(timer));

    await view.start();
    await waitFor(() => view.node('node-a') !== undefined, { what: 'node-a in the view' });

    await breakRedis();
    const restartedAt = Date.now();

    // Each of these snapshots was produced after the restart and reached the view.
    const seen = new Set<number>();
    await waitFor(
      () => {
        const at = view.node('node-a')?.at ?? 0;
        if (at > restartedAt) seen.add(at);
        return seen.size >= 5;
      },
      {
        timeoutMs: 15_000,
        intervalMs: 50,
        what: 'five fresh heartbeats in the view after the restart',
      },
    );
    expect(view.nodes().map((s) => s.info.id)).toEqual(['node-a']);
    expect((await repo.listAlive()).map((s) => s.info.id)).toEqual(['node-a']);
    expect(beats).toBeGreaterThan(5);
  });
});
