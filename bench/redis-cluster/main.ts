import {
  freePort,
  randomPrefix,
  startRedisCluster,
  waitFor,
  type RedisProcesses,
} from '@switchyard/testing';
import { launch } from '../../test/e2e/support/processes';
import { FakeNode } from '../../test/gateway/support/fake-node';
import { answer } from '../../test/gateway/support/scripts';
import { log, runBenchmark } from '../bench-process';
import { loadAverage } from '../scheduling/machine';

/**
 * The fleet on a local Redis Cluster of 1, 3 and 6 masters: Redis-side commands per request
 * (`INFO commandstats` deltas on every shard) and how evenly the shards share them. A real
 * gateway process given one cluster node's URL; the nodes are in-process scripted workers
 * (the gateway tier's FakeNode: the real registry, job consumer, shared-queue puller and reply
 * outbox, answering at once), so a fleet of dozens fits on one machine. Options:
 * `-- --requests N` (default 600), `--nodes N` (default 24), `--shards 1,3,6`.
 */
const MODEL = 'bench-redis-cluster';
const CONCURRENCY = 16;
const IDLE_MS = 3000;

interface Options {
  requests: number;
  nodes: number;
  shards: number[];
}

function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    requests: Number(get('requests') ?? 600),
    nodes: Number(get('nodes') ?? 24),
    shards: (get('shards') ?? '1,3,6').split(',').map(Number),
  };
}

/** Total command calls and CPU seconds of one shard so far, and the calls per command. */
async function shardStats(redis: RedisProcesses, port: number) {
  const stats = await redis.cli(port, 'INFO', 'commandstats');
  const cpu = await redis.cli(port, 'INFO', 'cpu');
  const byCommand = new Map<string, number>();
  for (const m of stats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    byCommand.set(m[1]!, Number(m[2]));
  }
  const num = (key: string) => Number(new RegExp(`^${key}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? 0);
  return { byCommand, cpu: num('used_cpu_user') + num('used_cpu_sys') };
}

type Snapshot = Awaited<ReturnType<typeof shardStats>>[];

const snapshot = (redis: RedisProcesses): Promise<Snapshot> =>
  Promise.all(redis.ports.map((p) => shardStats(redis, p)));

/** Calls per shard between two snapshots, leaving out the bench's own INFO calls. */
function deltas(before: Snapshot, after: Snapshot) {
  return after.map((a, i) => {
    const b = before[i]!;
    const byCommand = new Map<string, number>();
    let calls = 0;
    for (const [cmd, n] of a.byCommand) {
      if (cmd === 'info') continue;
      const d = n - (b.byCommand.get(cmd) ?? 0);
      if (d > 0) byCommand.set(cmd, d);
      calls += Math.max(0, d);
    }
    return { calls, byCommand, cpuSeconds: a.cpu - b.cpu };
  });
}

async function request(gateway: string, i: number): Promise<void> {
  const stream = i % 2 === 0;
  const res = await fetch(`${gateway}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: `bench ${i}: what does a switchyard do?` }],
      max_tokens: 16,
      // Answered by a scripted node: 4 tokens per answer.
      stream,
    }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`request ${i}: ${res.status} ${body.slice(0, 200)}`);
}

async function load(gateway: string, count: number): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await request(gateway, next++);
    }),
  );
  return performance.now() - started;
}

interface Row {
  shards: number;
  requests: number;
  seconds: number;
  perRequest: number;
  idlePerSecond: number;
  perShard: number[];
  busiestOverMean: number;
  keysPerShard: number[];
  cpuMsPerRequest: number;
  top: string;
}

async function measure(shards: number, opts: Options, stopping: () => boolean): Promise<Row> {
  const redis = await startRedisCluster(shards);
  const nodes: FakeNode[] = [];
  const gatewayPort = await freePort();
  const prefix = randomPrefix();
  const url = redis.urls[redis.urls.length - 1]!;
  const gateway = launch('gateway', ['gateway', '--port', String(gatewayPort)], {
    REDIS_URL: url,
    SWITCHYARD_PREFIX: prefix,
  });
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  try {
    // A trailing comma makes the URL a seed list: the in-process nodes use cluster clients.
    const env = { redisUrl: `${url},`, keyPrefix: prefix, staleAfterMs: 2500 };
    for (let i = 0; i < opts.nodes; i++) {
      nodes.push(
        await FakeNode.start(env, {
          id: `bench-node-${i}`,
          models: [MODEL],
          slots: 4,
          pullShared: true,
          heartbeatMs: 1000,
          script: answer('a switchyard sorts', 4),
        }),
      );
    }
    await waitFor(
      async () => {
        const res = await fetch(`${gatewayUrl}/readyz`).catch(() => undefined);
        return (
          res?.ok === true &&
          ((await res.json()) as { readyNodes: number }).readyNodes === opts.nodes
        );
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'the gateway to see every node ready' },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${gateway.output()}`);
    });
    const fleet = { gatewayUrl };
    await load(fleet.gatewayUrl, 50); // warm up: scripts loaded, queues created
    const idle0 = await snapshot(redis);
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const idle1 = await snapshot(redis);
    const idle = deltas(idle0, idle1).map((d) => (d.calls * 1000) / IDLE_MS);
    if (stopping()) throw new Error('stopped');
    const before = await snapshot(redis);
    const ms = await load(fleet.gatewayUrl, opts.requests);
    const after = await snapshot(redis);
    const d = deltas(before, after);
    const total = d.reduce((a, s) => a + s.calls, 0);
    const mean = total / shards;
    const merged = new Map<string, number>();
    for (const s of d) for (const [c, n] of s.byCommand) merged.set(c, (merged.get(c) ?? 0) + n);
    const top = [...merged]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([c, n]) => `${c} ${(n / opts.requests).toFixed(2)}`)
      .join(', ');
    const keysPerShard = await Promise.all(
      redis.ports.map(async (p) => Number((await redis.cli(p, 'DBSIZE')).trim())),
    );
    return {
      shards,
      requests: opts.requests,
      seconds: ms / 1000,
      perRequest: total / opts.requests,
      idlePerSecond: idle.reduce((a, b) => a + b, 0),
      perShard: d.map((s) => s.calls / opts.requests),
      busiestOverMean: Math.max(...d.map((s) => s.calls)) / mean,
      keysPerShard,
      cpuMsPerRequest: (d.reduce((a, s) => a + s.cpuSeconds, 0) * 1000) / opts.requests,
      top,
    };
  } finally {
    await Promise.allSettled(nodes.map((n) => n.close()));
    await gateway.stop();
    await redis.stop();
  }
}

function markdown(rows: Row[], opts: Options, loadBefore: string, loadAfter: string): string {
  const lines = [
    `| shards | requests | s | commands / request | idle commands / s (fleet) | per shard (commands / request) | busiest ÷ mean | keys per shard | Redis CPU ms / request |`,
    `| --: | --: | --: | --: | --: | :-- | --: | :-- | --: |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.shards} | ${r.requests} | ${r.seconds.toFixed(1)} | ${r.perRequest.toFixed(1)} | ${r.idlePerSecond.toFixed(0)} | ${r.perShard.map((n) => n.toFixed(1)).join(' / ')} | ${r.busiestOverMean.toFixed(2)} | ${r.keysPerShard.join(' / ')} | ${r.cpuMsPerRequest.toFixed(2)} |`,
    );
  }
  lines.push('', 'Most frequent commands per request (all shards):', '');
  for (const r of rows) lines.push(`- ${r.shards} shard(s): ${r.top}`);
  lines.push(
    '',
    `${opts.nodes} scripted nodes (slots 4, 4-token answers, heartbeat 1 s, pulling the shared queue), one gateway process, ${CONCURRENCY} clients, half streaming. Load average before ${loadBefore}, after ${loadAfter}.`,
  );
  return lines.join('\n');
}

runBenchmark(async (run) => {
  const opts = parseOptions(process.argv.slice(2));
  const loadBefore = loadAverage();
  const rows: Row[] = [];
  for (const shards of opts.shards) {
    log(`${shards} shard(s)…`);
    const row = await measure(shards, opts, () => run.stopping);
    log(JSON.stringify(row));
    rows.push(row);
  }
  process.stdout.write(`${markdown(rows, opts, loadBefore, loadAverage())}\n`);
});
