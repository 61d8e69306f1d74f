import type { AdminModel, AdminNode, NodeSnapshot } from '@switchyard/contracts';
import { createRedis } from '@switchyard/cluster';
import { waitFor } from '@switchyard/testing';
import type { Redis } from 'ioredis';
import { runCli } from './support/cli';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The operator's view of a running mixed fleet — llama.cpp on a GPU, vLLM on two GPUs,
 * MindIE on eight Ascend NPUs, one model — through `switchyard status` and the admin API,
 * checked against each worker-agent's own `/status`; and node commands given with the CLI,
 * carried to the worker over Redis by `@nestjs/microservices`, changing placement at once.
 */
const MODEL = 'admin-model';
const NODES = [
  { engine: 'llamacpp', telemetry: 'gpu:NVIDIA GeForce RTX 4090x1', labels: 'zone=a' },
  { engine: 'vllm', telemetry: 'gpu:NVIDIA H100 80GB HBM3x2', labels: 'zone=b' },
  { engine: 'mindie', telemetry: 'npu:910B3x8', labels: 'zone=b' },
] as const;

let fleet: Fleet;
let monitor: Redis;
const controlMessages: string[] = [];

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: NODES.map((n) => ({
      engine: n.engine,
      slots: 2,
      decodeMs: 2,
      extraPlanes: n.engine === 'mindie',
      workerArgs: ['--telemetry', n.telemetry, '--labels', n.labels, '--slots', '2'],
    })),
  });
  // A single-node test Redis: the client is a plain Redis (subscribe with a pattern, MONITOR).
  monitor = createRedis(fleet.redisUrl, { subscriber: true }) as Redis;
  monitor.on('pmessage', (_pattern: string, channel: string) => controlMessages.push(channel));
  await monitor.psubscribe(`${fleet.prefix}control:*`);
  // Some traffic, so speeds, throughput and TTFT are measured figures, not nulls.
  await Promise.all(
    Array.from({ length: 9 }, (_, i) => chat(`warm up ${i} ${'word '.repeat(i * 40)}`)),
  );
}, 120_000);

afterAll(async () => {
  await monitor?.quit();
  await fleet?.stop();
});

async function chat(prompt: string): Promise<string> {
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 24,
      messages: [{ role: 'user', content: prompt }],
    }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-switchyard-node')!;
}

async function adminNodes(): Promise<AdminNode[]> {
  const res = await fetch(`${fleet.gatewayUrl}/admin/v1/nodes`);
  return ((await res.json()) as { nodes: AdminNode[] }).nodes;
}

async function workerStatus(node: AdminNode): Promise<NodeSnapshot> {
  return (await (await fetch(`${node.agentUrl}/status`)).json()) as NodeSnapshot;
}

/** The admin API's figures as the worker's own record states them. */
function fromStatus(s: NodeSnapshot): Partial<AdminNode> {
  return {
    id: s.info.id,
    state: s.info.state,
    engine: s.info.engine,
    models: s.info.models,
    labels: s.info.labels,
    slots: {
      total: s.load.slotsTotal,
      free: s.load.slotsFree,
      used: s.load.slotsTotal - s.load.slotsFree,
    },
    running: s.load.running,
    waiting: s.load.waiting,
    kvCacheUsage: s.load.kvCacheUsage,
    prefixCacheHitRate: s.load.prefixCacheHitRate,
    prefillTokensPerSecond: s.load.prefillTokensPerSecond ?? null,
    decodeTokensPerSecond: s.load.decodeTokensPerSecond ?? null,
    promptTokensPerSecond: s.load.promptTokensPerSecond,
    generationTokensPerSecond: s.load.generationTokensPerSecond,
    ttftMs: s.load.ttftMs,
    ttftP50Ms: s.load.ttftP50Ms ?? null,
    accelerators: s.devices ?? [],
    startedAt: s.info.startedAt,
    version: s.info.version,
  };
}

function pick(n: AdminNode, like: Partial<AdminNode>): Partial<AdminNode> {
  return Object.fromEntries(Object.keys(like).map((k) => [k, n[k as keyof AdminNode]]));
}

/**
 * Every node's figures in `read()` equal the worker's own `/status` read just after. A worker
 * refreshes its figures once a second (rates over a sliding window, device readings) and
 * heartbeats once a second on another timer, so a read may fall between a refresh and the
 * heartbeat carrying it: each node is read again until it matches once (nodes in different
 * reads, each on its own phase). A wrong figure never matches.
 */
async function expectSameAsWorkers(read: () => Promise<AdminNode[]>): Promise<void> {
  const matched = new Set<string>();
  const last = new Map<string, string>();
  for (let attempt = 0; attempt < 60 && matched.size < NODES.length; attempt++) {
    const nodes = await read();
    const statuses = await Promise.all(nodes.map(workerStatus));
    nodes.forEach((n, i) => {
      const want = fromStatus(statuses[i]!);
      const got = pick(n, want);
      if (JSON.stringify(got) === JSON.stringify(want)) matched.add(n.id);
      else last.set(n.id, `${JSON.stringify(got)}\n vs /status ${JSON.stringify(want)}`);
    });
    if (matched.size < NODES.length) await new Promise((r) => setTimeout(r, 100));
  }
  const unmatched = [...last].filter(([id]) => !matched.has(id));
  if (matched.size < NODES.length) {
    throw new Error(
      `the fleet view never matched the workers' /status:\n${unmatched.map(([id, d]) => `${id}: ${d}`).join('\n')}`,
    );
  }
}

it('the admin API shows every node with the figures of its worker’s own /status', async () => {
  const nodes = await adminNodes();
  expect(nodes.map((n) => n.engine).sort()).toEqual(['llamacpp', 'mindie', 'vllm']);
  for (const n of nodes) {
    expect(n.heartbeatAgeMs).not.toBeNull();
    expect(n.heartbeatAgeMs!).toBeLessThan(2500);
  }
  const byEngine = Object.fromEntries(nodes.map((n) => [n.engine, n]));
  expect(byEngine.mindie!.accelerators).toHaveLength(8);
  expect(byEngine.vllm!.accelerators.map((d) => d.name)).toEqual([
    'NVIDIA H100 80GB HBM3',
    'NVIDIA H100 80GB HBM3',
  ]);
  // Figures measured on the warm-up traffic, not nulls, once the workers' next probe and
  // heartbeat have carried them (about a second).
  await waitFor(
    async () => {
      const now = await adminNodes();
      return (
        now.some((n) => n.decodeTokensPerSecond !== null) && now.some((n) => n.ttftP50Ms !== null)
      );
    },
    { timeoutMs: 10_000, what: 'measured speeds and TTFT medians in the fleet view' },
  );
  await expectSameAsWorkers(adminNodes);
});

it('switchyard status --json shows the same figures, and models’ capacity adds the nodes’ up', async () => {
  await expectSameAsWorkers(async () => {
    const run = await runCli(['status', '--json', '--gateway', fleet.gatewayUrl]);
    expect(run.code).toBe(0);
    return (JSON.parse(run.stdout) as { nodes: AdminNode[] }).nodes;
  });
  const run = await runCli(['status', '--json', '--gateway', fleet.gatewayUrl]);
  const { nodes, models } = JSON.parse(run.stdout) as { nodes: AdminNode[]; models: AdminModel[] };
  expect(models).toHaveLength(1);
  const model = models[0]!;
  expect(model.servedBy.map((s) => s.node).sort()).toEqual(nodes.map((n) => n.id).sort());
  expect(model.capacity.slots).toBe(6);
  const measured = nodes.filter((n) => n.decodeTokensPerSecond !== null);
  expect(model.capacity.generationTokensPerSecond).toBeCloseTo(
    measured.reduce((a, n) => a + n.decodeTokensPerSecond! * n.slots.total, 0),
    6,
  );
});

it('switchyard status prints an aligned plain table when stdout is not a terminal', async () => {
  const nodes = await adminNodes();
  const run = await runCli(['status', '--gateway', fleet.gatewayUrl]);
  expect(run.code).toBe(0);
  expect(run.stdout).not.toMatch(/\x1b\[/); // eslint-disable-line no-control-regex
  const lines = run.stdout.split('\n');
  expect(lines[0]).toMatch(
    /^NODE\s+STATE\s+ENGINE\s+MODELS\s+SLOTS\s+QUEUE\s+KV\s+TOK\/S\s+TTFT P50\s+ACCELERATORS\s+AGE$/,
  );
  const stateColumn = lines[0]!.indexOf('STATE');
  for (const n of nodes) {
    const row = lines.find((l) => l.startsWith(`${n.id} `));
    expect(row).toMatch(
      new RegExp(`^${n.id}\\s+ready\\s+${n.engine}\\s+${MODEL}\\s+\\d/2\\s+\\d+\\s`),
    );
    expect(row!.indexOf('ready')).toBe(stateColumn);
  }
  expect(lines.find((l) => l.startsWith(nodes.find((n) => n.engine === 'mindie')!.id))).toMatch(
    /8×910B3/,
  );
});

it('cordon through the CLI reaches the worker over Redis and moves placement off it at once', async () => {
  const target = (await adminNodes()).find((n) => n.engine === 'vllm')!;
  controlMessages.length = 0;

  const run = await runCli(['nodes', 'cordon', target.id, '--gateway', fleet.gatewayUrl]);
  const acknowledged = Date.now();

  expect(run.code).toBe(0);
  expect(run.stdout).toBe(`node ${target.id}: cordoned\n`);
  // The request and its reply travelled on the node's control channel (microservices transport).
  expect(controlMessages).toEqual([
    `${fleet.prefix}control:${target.id}`,
    `${fleet.prefix}control:${target.id}.reply`,
  ]);
  expect((await workerStatus(target)).info.state).toBe('cordoned');
  await waitFor(
    async () => (await adminNodes()).find((n) => n.id === target.id)?.state === 'cordoned',
    {
      timeoutMs: 2000,
      intervalMs: 20,
      what: 'the gateway to see the cordon within 2 s',
    },
  );
  const seenAfterMs = Date.now() - acknowledged;
  const placed = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(`after cordon ${i}`)));
  expect(placed).not.toContain(target.id);
  expect(seenAfterMs).toBeLessThan(2000);

  const back = await runCli(['nodes', 'uncordon', target.id, '--gateway', fleet.gatewayUrl]);
  expect(back.code).toBe(0);
  await waitFor(
    async () => (await adminNodes()).find((n) => n.id === target.id)?.state === 'ready',
    {
      timeoutMs: 10_000,
      what: 'the node back in service after uncordon',
    },
  );
});

it('drain through the CLI empties the node and keeps it registered until uncordoned', async () => {
  const target = (await adminNodes()).find((n) => n.engine === 'llamacpp')!;
  const run = await runCli([
    'nodes',
    'drain',
    target.id,
    '--wait',
    '30',
    '--gateway',
    fleet.gatewayUrl,
  ]);
  expect(run.code).toBe(0);
  expect(run.stdout).toBe(
    `node ${target.id}: draining\nnode ${target.id}: drained (nothing runs or waits)\n`,
  );
  const placed = await Promise.all(Array.from({ length: 8 }, (_, i) => chat(`after drain ${i}`)));
  expect(placed).not.toContain(target.id);
  const drained = (await adminNodes()).find((n) => n.id === target.id)!;
  expect(drained).toMatchObject({ state: 'draining', stateReason: 'drain requested by operator' });

  expect((await runCli(['nodes', 'uncordon', target.id, '--gateway', fleet.gatewayUrl])).code).toBe(
    0,
  );
  await waitFor(
    async () => (await adminNodes()).find((n) => n.id === target.id)?.state === 'ready',
    {
      timeoutMs: 10_000,
      what: 'the drained node back in service after uncordon',
    },
  );
});

it('a command for a node the fleet does not have fails with the gateway’s 404', async () => {
  const run = await runCli(['nodes', 'cordon', 'no-such-node', '--gateway', fleet.gatewayUrl]);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/no node "no-such-node" in the fleet .*HTTP 404/);
});

it('switchyard status says so when no gateway answers', async () => {
  const run = await runCli(['status', '--gateway', 'http://127.0.0.1:9']);
  expect(run.code).toBe(1);
  expect(run.stderr).toMatch(/cannot reach the gateway at http:\/\/127\.0\.0\.1:9/);
});
