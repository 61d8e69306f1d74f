import { startRedisCluster, waitFor, type RedisProcesses } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * A cluster master fails over (`CLUSTER FAILOVER` on its replica) under a steady load: the
 * gateway and the workers follow MOVED to the promoted replica, and within 10 s every new
 * request succeeds again. Nothing hangs.
 */
const MODEL = 'e2e-cluster-failover';
const RECOVERY_BUDGET_MS = 10_000;
let redis: RedisProcesses;
let fleet: Fleet;

beforeAll(async () => {
  redis = await startRedisCluster(3, 1);
  fleet = await startFleet({
    model: MODEL,
    redisUrl: redis.urls[0]!,
    nodes: [
      { slots: 4, decodeMs: 5 },
      { slots: 4, decodeMs: 5 },
    ],
  });
}, 90000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await redis?.stop();
}, 60000);

interface Attempt {
  startedAt: number;
  status: number | 'hung' | 'lost';
}

async function attempt(i: number): Promise<Attempt> {
  const startedAt = Date.now();
  try {
    const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: `failover load ${i}` }],
        max_tokens: 12,
        stream: i % 2 === 0,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.text();
    return { startedAt, status: res.status };
  } catch (err) {
    return { startedAt, status: (err as Error).name === 'TimeoutError' ? 'hung' : 'lost' };
  }
}

/** The replica port of the master that holds the first worker node's keys. */
async function replicaOfNodeShard(): Promise<{ replica: number; master: number }> {
  const key = `${fleet.prefix}{n:${fleet.nodes[0]!.nodeId}}:node`;
  const slot = Number((await redis.cli(redis.ports[0]!, 'CLUSTER', 'KEYSLOT', key)).trim());
  const lines = (await redis.cli(redis.ports[0]!, 'CLUSTER', 'NODES')).trim().split('\n');
  const portOf = (addr: string) => Number(/:(\d+)@/.exec(addr)?.[1]);
  const owner = lines.find((l) => {
    const f = l.split(' ');
    if (!f[2]!.includes('master')) return false;
    return f.slice(8).some((range) => {
      const [a, b] = range.split('-').map(Number);
      return slot >= a! && slot <= (b ?? a)!;
    });
  })!;
  const ownerId = owner.split(' ')[0]!;
  const replica = lines.find((l) => l.split(' ')[3] === ownerId)!;
  return { master: portOf(owner.split(' ')[1]!), replica: portOf(replica.split(' ')[1]!) };
}

it('follows a cluster master failover: new requests succeed within 10 s, none hangs', async () => {
  const { master, replica } = await replicaOfNodeShard();
  const attempts: Attempt[] = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const a = await attempt(n++);
      attempts.push(a);
      if (a.status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  const failoverAt = Date.now();
  expect((await redis.cli(replica, 'CLUSTER', 'FAILOVER')).trim()).toBe('OK');
  await waitFor(async () => /role:master/.test(await redis.cli(replica, 'INFO', 'replication')), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'the replica to be promoted',
  });
  await waitFor(async () => /role:slave/.test(await redis.cli(master, 'INFO', 'replication')), {
    timeoutMs: 10_000,
    intervalMs: 100,
    what: 'the old master to become a replica',
  });
  await new Promise((r) => setTimeout(r, RECOVERY_BUDGET_MS + 2000));
  stop = true;
  await Promise.all(loops);

  const statuses: Record<string, number> = {};
  for (const a of attempts) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
  const lastFailure = attempts
    .filter((a) => a.status !== 200)
    .reduce((max, a) => Math.max(max, a.startedAt - failoverAt), 0);
  process.stderr.write(
    `cluster failover: ${JSON.stringify(statuses)}, last failure started ${lastFailure} ms after\n`,
  );
  expect(attempts.filter((a) => a.status === 'hung' || a.status === 'lost')).toEqual([]);
  const late = attempts.filter((a) => a.startedAt > failoverAt + RECOVERY_BUDGET_MS);
  expect(late.length).toBeGreaterThan(0);
  expect(late.filter((a) => a.status !== 200)).toEqual([]);
  // Not asserted here: that both nodes are ready again. In 2 of 3 CI runs after the
  // merges one node was still not ready 12 s after the failover (requests flowed on the
  // other) — a known bug, in the session's closing note, to fix rather than to wait out.
}, 90000);
