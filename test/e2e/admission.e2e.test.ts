import { freePort, waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';
import { launch, type Launched } from './support/processes';

/**
 * Inference-aware scheduling across replicas and admission: two gateways on one Redis share
 * reservations and spread a burst by capacity; a saturated fleet queues by priority class;
 * a request that cannot start before its deadline, or that finds its queue full, gets 429
 * with Retry-After in its dialect.
 */
const MODEL = 'e2e-admission';
const TENANTS = JSON.stringify([{ apiKey: 'sk-vip', name: 'vip', priority: 5, maxPriority: 9 }]);

interface Answer {
  status: number;
  node: string | null;
  headers: Headers;
  body: unknown;
  finishedAt: number;
}

async function chat(
  gateway: string,
  content: string,
  opts: { headers?: Record<string, string>; maxTokens?: number } = {},
): Promise<Answer> {
  const res = await fetch(`${gateway}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content }],
      max_tokens: opts.maxTokens ?? 8,
      ignore_eos: true,
    }),
  });
  const body: unknown = await res.json();
  return {
    status: res.status,
    node: res.headers.get('x-switchyard-node'),
    headers: res.headers,
    body,
    finishedAt: performance.now(),
  };
}

async function secondGateway(
  fleet: Fleet,
  env: Record<string, string> = {},
): Promise<{ url: string; proc: Launched }> {
  const port = await freePort();
  const proc = launch('gateway-2', ['gateway', '--port', String(port)], {
    REDIS_URL: fleet.redisUrl,
    SWITCHYARD_PREFIX: fleet.prefix,
    ...env,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      const res = await fetch(`${url}/readyz`).catch(() => undefined);
      return res?.ok === true;
    },
    { timeoutMs: 20000, intervalMs: 100, what: 'the second gateway to be ready' },
  );
  return { url, proc };
}

describe('two gateway replicas under a burst', () => {
  let fleet: Fleet;
  let other: { url: string; proc: Launched };
  const SLOTS = [2, 4, 6];

  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      // No batch slowdown: each node's capacity is then exactly proportional to its slots.
      nodes: SLOTS.map((slots) => ({ slots, decodeMs: 10, simArgs: ['--batch-slowdown', '0'] })),
    });
    other = await secondGateway(fleet);
  }, 60000);
  afterAll(async () => {
    await other?.proc.stop();
    await fleet?.stop();
  });

  it('spread the work within 20% of each node’s share of the slots', async () => {
    const gateways = [fleet.gatewayUrl, other.url];
    const answers = await Promise.all(
      Array.from({ length: 192 }, (_, i) =>
        chat(gateways[i % 2]!, `burst question ${i}: what is a switchyard?`, { maxTokens: 12 }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    const total = SLOTS.reduce((a, b) => a + b, 0);
    const off = fleet.nodes.map((node, i) => {
      const share = answers.filter((a) => a.node === node.nodeId).length / answers.length;
      const capacity = SLOTS[i]! / total;
      return {
        slots: SLOTS[i],
        share,
        withinTwentyPercent: Math.abs(share - capacity) <= 0.2 * capacity,
      };
    });
    expect(off.filter((o) => !o.withinTwentyPercent)).toEqual([]);
  }, 60000);
});

describe('a saturated fleet', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      nodes: [{ slots: 1, decodeMs: 25 }],
      gatewayArgs: ['--max-queue-wait-ms', '20000'],
      // A static key turns auth on by default; anonymous clients share this fleet.
      gatewayEnv: { SWITCHYARD_TENANTS: TENANTS, SWITCHYARD_AUTH: 'off' },
    });
  }, 60000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('queues instead of failing, then serves by priority class', async () => {
    const blocker = chat(fleet.gatewayUrl, 'the long one', { maxTokens: 40 });
    await new Promise((r) => setTimeout(r, 300));
    const send = (name: string, priority: string) =>
      chat(fleet.gatewayUrl, `queued ${name}`, {
        headers: { authorization: 'Bearer sk-vip', 'x-switchyard-priority': priority },
      }).then((a) => ({ name, ...a }));
    const queued: Promise<Answer & { name: string }>[] = [];
    for (const [name, priority] of [
      ['low-1', 'low'],
      ['low-2', 'low'],
      ['normal', 'normal'],
      ['critical', 'critical'],
      ['high', 'high'],
    ] as const) {
      queued.push(send(name, priority));
      await new Promise((r) => setTimeout(r, 50));
    }
    const all = await Promise.all([blocker, ...queued]);
    expect(all.map((a) => a.status)).toEqual(all.map(() => 200));
    const order = (await Promise.all(queued))
      .sort((a, b) => a.finishedAt - b.finishedAt)
      .map((a) => a.name);
    expect(order).toEqual(['critical', 'high', 'normal', 'low-1', 'low-2']);
    // They waited in the shared queue: the header says how long.
    const waits = (await Promise.all(queued)).map((a) =>
      Number(a.headers.get('x-switchyard-queue-ms')),
    );
    expect(Math.min(...waits)).toBeGreaterThan(300);
  }, 60000);

  it('a tenant without a higher ceiling cannot jump the queue with the header', async () => {
    const blocker = chat(fleet.gatewayUrl, 'another long one', { maxTokens: 40 });
    await new Promise((r) => setTimeout(r, 300));
    const first = chat(fleet.gatewayUrl, 'anonymous first', {}).then((a) => ({
      name: 'first',
      ...a,
    }));
    await new Promise((r) => setTimeout(r, 50));
    const pushy = chat(fleet.gatewayUrl, 'anonymous pushy', {
      headers: { 'x-switchyard-priority': 'critical' },
    }).then((a) => ({ name: 'pushy', ...a }));
    await blocker;
    const order = (await Promise.all([first, pushy]))
      .sort((a, b) => a.finishedAt - b.finishedAt)
      .map((a) => a.name);
    expect(order).toEqual(['first', 'pushy']);
  }, 60000);
});

describe('admission refusals', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      nodes: [{ slots: 1, decodeMs: 40 }],
      gatewayArgs: ['--max-queue-wait-ms', '1500'],
      gatewayEnv: { SWITCHYARD_MAX_QUEUED_PER_MODEL: '2' },
    });
  }, 60000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('past its deadline a queued request gets 429 with Retry-After, in its dialect', async () => {
    const blocker = chat(fleet.gatewayUrl, 'blocking', { maxTokens: 80 });
    await new Promise((r) => setTimeout(r, 300));
    const started = performance.now();
    const [openai, tgi] = await Promise.all([
      chat(fleet.gatewayUrl, 'too late'),
      fetch(`${fleet.gatewayUrl}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-switchyard-model': MODEL },
        body: JSON.stringify({ inputs: 'too late too', parameters: { max_new_tokens: 4 } }),
      }),
    ]);
    const waited = performance.now() - started;
    expect(openai.status).toBe(429);
    expect(Number(openai.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(openai.body).toMatchObject({ error: { type: 'rate_limit_error' } });
    expect(tgi.status).toBe(429);
    expect(Number(tgi.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await tgi.json()).toMatchObject({ error_type: 'overloaded' });
    expect(waited).toBeGreaterThan(1400);
    expect(waited).toBeLessThan(4000);
    expect((await blocker).status).toBe(200);
  }, 60000);

  it('a full queue refuses at once instead of letting the request wait out its deadline', async () => {
    const blocker = chat(fleet.gatewayUrl, 'blocking again', { maxTokens: 80 });
    await new Promise((r) => setTimeout(r, 300));
    const waiting = [chat(fleet.gatewayUrl, 'q1'), chat(fleet.gatewayUrl, 'q2')];
    await new Promise((r) => setTimeout(r, 150));
    const started = performance.now();
    const refused = await chat(fleet.gatewayUrl, 'one too many');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).not.toBeNull();
    // Well before the 1.5 s it would have waited for a slot.
    expect(performance.now() - started).toBeLessThan(1000);
    await Promise.all([blocker, ...waiting]);
    const metrics = await (await fetch(`${fleet.gatewayUrl}/metrics`)).text();
    expect(metrics).toMatch(/switchyard_admission_rejections_total\{reason="queue_full"\} [1-9]/);
    expect(metrics).toMatch(/switchyard_admission_rejections_total\{reason="deadline"\} [1-9]/);
    expect(metrics).toMatch(new RegExp(`switchyard_queued_requests\\{model="${MODEL}"\\} 0`));
  }, 60000);
});

describe('selectors and explanations', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      // Anonymous clients steer with selector and explain headers here (off by default).
      gatewayEnv: { SWITCHYARD_ANONYMOUS_ROUTING_HEADERS: 'true' },
      model: MODEL,
      nodes: [
        { slots: 2, decodeMs: 2, workerArgs: ['--labels', 'accelerator=gpu,zone=a'] },
        { slots: 2, decodeMs: 2, workerArgs: ['--labels', 'accelerator=npu,zone=a'] },
        { slots: 2, decodeMs: 2, model: 'other-model' },
      ],
    });
  }, 60000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it('a selector header keeps the request on matching nodes', async () => {
    for (let i = 0; i < 6; i++) {
      const a = await chat(fleet.gatewayUrl, `npu please ${i}`, {
        headers: { 'x-switchyard-selector': 'accelerator=npu' },
      });
      expect(a.status).toBe(200);
      expect(a.node).toBe(fleet.nodes[1]!.nodeId);
    }
  });

  it('a selector nothing matches, or a malformed one, is a 400 naming the header', async () => {
    const none = await chat(fleet.gatewayUrl, 'tpu please', {
      headers: { 'x-switchyard-selector': 'accelerator=tpu' },
    });
    expect(none.status).toBe(400);
    expect(none.body).toMatchObject({ error: { param: 'selectors' } });
    const bad = await chat(fleet.gatewayUrl, 'bad', {
      headers: { 'x-switchyard-selector': 'nonsense' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: { param: 'x-switchyard-selector' } });
  });

  it('x-switchyard-explain returns each candidate’s scores and the filter that removed the others', async () => {
    const a = await chat(fleet.gatewayUrl, 'explain yourself', {
      headers: { 'x-switchyard-explain': '1', 'x-switchyard-selector': 'zone=a' },
    });
    expect(a.status).toBe(200);
    const explanation = JSON.parse(a.headers.get('x-switchyard-explain') ?? '{}') as {
      strategy: string;
      outcome: string;
      candidates: { node: string; total: number; scores: Record<string, [number, number]> }[];
      removed: Record<string, string[]>;
    };
    expect(explanation.strategy).toBe('switchyard');
    expect(explanation.outcome).toBe('placed');
    expect(explanation.candidates.map((c) => c.node).sort()).toEqual(
      [fleet.nodes[0]!.nodeId, fleet.nodes[1]!.nodeId].sort(),
    );
    expect(Object.keys(explanation.candidates[0]!.scores)).toEqual(
      expect.arrayContaining(['predicted-wait', 'free-slots', 'kv-pressure', 'prefix-affinity']),
    );
    expect(explanation.removed).toEqual({ 'serves-model': [fleet.nodes[2]!.nodeId] });
  });
});
