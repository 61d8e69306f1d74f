import { startRedisCluster, waitFor, type RedisProcesses } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The fleet on a 3-master Redis Cluster, every process given ONE node's URL (the last, which
 * owns none of the slots a single-node client would need first): each dialect's smoke case,
 * the shared queue with priorities, cancel, failover before the first token, and the keys
 * spread over all three shards.
 */
const MODEL = 'e2e-redis-cluster';
const TENANTS = JSON.stringify([{ apiKey: 'sk-vip', name: 'vip', priority: 5, maxPriority: 9 }]);
let redis: RedisProcesses;
let fleet: Fleet;

/** One node id per shard, so the fleet's per-node keys are on all three (ids hash at random). */
async function nodeIdPerShard(): Promise<string[]> {
  const run = Math.random().toString(36).slice(2, 8);
  // Each master's slot ranges, from CLUSTER NODES (fields 9 on: `a-b` or `a`).
  const ranges = (await redis.cli(redis.ports[0]!, 'CLUSTER', 'NODES'))
    .trim()
    .split('\n')
    .map((line) =>
      line
        .split(' ')
        .slice(8)
        .map((r) => r.split('-').map(Number)),
    );
  const shardOf = async (id: string): Promise<number> => {
    const slot = Number(
      (await redis.cli(redis.ports[0]!, 'CLUSTER', 'KEYSLOT', `{n:${id}}`)).trim(),
    );
    return ranges.findIndex((rs) => rs.some(([a, b]) => slot >= a! && slot <= (b ?? a)!));
  };
  const ids = new Map<number, string>();
  for (let i = 0; ids.size < 3 && i < 300; i++) {
    const id = `rc-${run}-${i}`;
    const shard = await shardOf(id);
    if (!ids.has(shard)) ids.set(shard, id);
  }
  return [...ids.values()];
}

beforeAll(async () => {
  redis = await startRedisCluster(3);
  const [a, b, c] = await nodeIdPerShard();
  fleet = await startFleet({
    model: MODEL,
    redisUrl: redis.urls[2]!,
    nodes: [
      { slots: 2, decodeMs: 5, nodeId: a! },
      { slots: 1, decodeMs: 5, nodeId: b! },
      { slots: 1, decodeMs: 5, nodeId: c! },
    ],
    gatewayArgs: ['--max-queue-wait-ms', '20000'],
    // Tenants set priority classes here; the gateway stays open to requests without a key.
    gatewayEnv: { SWITCHYARD_TENANTS: TENANTS, SWITCHYARD_AUTH: 'off' },
  });
}, 90000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await redis?.stop();
}, 60000);

interface SmokeCase {
  path: string;
  body: (stream: boolean) => Record<string, unknown>;
  /** A whole answer carries text. */
  answered: (json: Record<string, unknown>) => boolean;
  /** The stream's last bytes say it ended normally. */
  ended: RegExp;
  /** No `stream` flag: the streaming variant is its own route. */
  streamPath?: string;
}

const PROMPT = 'A switchyard is a place where';
const MESSAGES = [{ role: 'user', content: 'Why do trains need switchyards?' }];
const text = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

/** One chat or generation per client dialect, whole and streamed. */
const SMOKE: Record<string, SmokeCase> = {
  'openai chat': {
    path: '/v1/chat/completions',
    body: (stream) => ({ model: MODEL, messages: MESSAGES, max_tokens: 8, stream }),
    answered: (j) => text((j.choices as { message: { content: string } }[])[0]?.message.content),
    ended: /data: \[DONE\]\s*$/,
  },
  'openai completions': {
    path: '/v1/completions',
    body: (stream) => ({ model: MODEL, prompt: PROMPT, max_tokens: 8, stream }),
    answered: (j) => text((j.choices as { text: string }[])[0]?.text),
    ended: /data: \[DONE\]\s*$/,
  },
  anthropic: {
    path: '/v1/messages',
    body: (stream) => ({ model: MODEL, messages: MESSAGES, max_tokens: 8, stream }),
    answered: (j) => text((j.content as { text: string }[])[0]?.text),
    ended: /event: message_stop/,
  },
  'ollama chat': {
    path: '/api/chat',
    body: (stream) => ({ model: MODEL, messages: MESSAGES, stream, options: { num_predict: 8 } }),
    answered: (j) => text((j.message as { content: string }).content),
    ended: /"done":true[^\n]*\n?$/,
  },
  'ollama generate': {
    path: '/api/generate',
    body: (stream) => ({ model: MODEL, prompt: PROMPT, stream, options: { num_predict: 8 } }),
    answered: (j) => text(j.response),
    ended: /"done":true[^\n]*\n?$/,
  },
  tgi: {
    path: '/generate',
    streamPath: '/generate_stream',
    body: () => ({ inputs: PROMPT, parameters: { max_new_tokens: 8 } }),
    answered: (j) => text(j.generated_text),
    ended: /"generated_text":"[^"]+/,
  },
  'vllm demo': {
    path: '/generate',
    body: (stream) => ({ prompt: PROMPT, max_tokens: 8, stream }),
    answered: (j) => text((j.text as string[])[0]),
    ended: /"text":\["[^"]+/,
  },
  kserve: {
    path: `/v2/models/${MODEL}/generate`,
    streamPath: `/v2/models/${MODEL}/generate_stream`,
    body: () => ({ text_input: PROMPT, parameters: { max_tokens: 8 } }),
    answered: (j) => text(j.text_output),
    ended: /"text_output"/,
  },
};

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${fleet.gatewayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

it('runs in cluster mode, found from one node’s URL', async () => {
  const ready = (await (await fetch(`${fleet.gatewayUrl}/readyz`)).json()) as {
    redisMode: string;
    redisTopology: string;
  };
  expect(ready.redisMode).toBe('cluster');
  expect(ready.redisTopology).toMatch(/3 masters/);
});

describe.each(Object.keys(SMOKE))('%s', (name) => {
  const c = SMOKE[name]!;
  it('answers whole', async () => {
    const res = await post(c.path, c.body(false));
    expect(res.status).toBe(200);
    expect(c.answered((await res.json()) as Record<string, unknown>)).toBe(true);
  });
  it('streams to the end', async () => {
    const res = await post(c.streamPath ?? c.path, c.body(true));
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(c.ended);
  });
});

async function chat(content: string, maxTokens: number, headers: Record<string, string> = {}) {
  const res = await post(
    '/v1/chat/completions',
    {
      model: MODEL,
      messages: [{ role: 'user', content }],
      max_tokens: maxTokens,
      ignore_eos: true,
    },
    headers,
  );
  await res.text();
  return {
    status: res.status,
    finishedAt: performance.now(),
    queueMs: res.headers.get('x-switchyard-queue-ms'),
  };
}

it('queues past the slots in the shared queue and serves it by priority class', async () => {
  // Four slots, six long requests (every slot busy whatever the placement did with stale
  // loads): the next ones wait in the model's (hash-tagged) queue.
  const blockers = Array.from({ length: 6 }, (_, i) => chat(`blocker ${i}`, 600));
  await new Promise((r) => setTimeout(r, 1000));
  const queued: Promise<{
    name: string;
    status: number;
    finishedAt: number;
    queueMs: string | null;
  }>[] = [];
  for (const [name, priority] of [
    ['low', 'low'],
    ['normal', 'normal'],
    ['critical', 'critical'],
  ] as const) {
    queued.push(
      chat(`queued ${name}`, 4, {
        authorization: 'Bearer sk-vip',
        'x-switchyard-priority': priority,
      }).then((a) => ({ name, ...a })),
    );
    await new Promise((r) => setTimeout(r, 150));
  }
  const all = await Promise.all([...blockers, ...queued]);
  expect(all.map((a) => a.status)).toEqual(all.map(() => 200));
  const answers = await Promise.all(queued);
  // They waited in the shared queue: the header says how long.
  for (const a of answers) expect(Number(a.queueMs)).toBeGreaterThan(200);
  const order = answers.sort((a, b) => a.finishedAt - b.finishedAt).map((a) => a.name);
  expect(order).toEqual(['critical', 'normal', 'low']);
}, 60000);

it('cancels: a client that goes away frees the engine slot', async () => {
  const controller = new AbortController();
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'a long story' }],
      max_tokens: 2000,
      ignore_eos: true,
      stream: true,
    }),
    signal: controller.signal,
  });
  const node = fleet.nodes.find((n) => n.nodeId === res.headers.get('x-switchyard-node'))!;
  const reader = res.body!.getReader();
  await reader.read();
  const busy = async () =>
    ((await (await fetch(`${node.simUrl}/slots`)).json()) as { is_processing: boolean }[]).some(
      (s) => s.is_processing,
    );
  controller.abort();
  await waitFor(async () => !(await busy()), {
    timeoutMs: 5000,
    intervalMs: 50,
    what: 'the engine slot to go idle after the cancel',
  });
});

it('places a request again on the other node when its engine fails before the first token', async () => {
  const [failing, healthy] = fleet.nodes as [Fleet['nodes'][0], Fleet['nodes'][0]];
  const others = fleet.nodes.filter((n) => n !== failing).map((n) => n.nodeId);
  void healthy;
  const faults = (body: object) =>
    fetch(`${failing.simUrl}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await faults({ failRate: 1 })).ok).toBe(true);
  try {
    const answers = await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const res = await post('/v1/chat/completions', {
          model: MODEL,
          messages: [{ role: 'user', content: `failover ${i}` }],
          max_tokens: 4,
        });
        await res.text();
        return { status: res.status, node: res.headers.get('x-switchyard-node') };
      }),
    );
    for (const a of answers) {
      expect(a.status).toBe(200);
      expect(others).toContain(a.node);
    }
  } finally {
    await faults({ failRate: 0 });
  }
});

it('spreads the fleet’s keys over all three shards', async () => {
  const perShard = await Promise.all(
    redis.ports.map(async (port) => Number((await redis.cli(port, 'DBSIZE')).trim())),
  );
  // Two nodes' records, alive keys, reservations and jobs, the model queue, the node set.
  for (const n of perShard) expect(n).toBeGreaterThan(0);
  // Each node's keys share one slot, and that slot holds all of them.
  for (const node of fleet.nodes) {
    const slot = Number(
      (
        await redis.cli(
          redis.ports[0]!,
          'CLUSTER',
          'KEYSLOT',
          `${fleet.prefix}{n:${node.nodeId}}:node`,
        )
      ).trim(),
    );
    const owners = await Promise.all(
      redis.ports.map(async (port) =>
        Number((await redis.cli(port, 'CLUSTER', 'COUNTKEYSINSLOT', String(slot))).trim()),
      ),
    );
    expect(Math.max(...owners)).toBeGreaterThanOrEqual(2);
  }
});
