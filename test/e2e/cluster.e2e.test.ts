import OpenAI from 'openai';
import { generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The foundation, end to end with real processes: a gateway, two llama.cpp-personality
 * simulated engines and two worker-agents on a real Redis.
 */
const MODEL = 'e2e-tiny';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2 },
    ],
  });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

function chatBody(i: number, extra: Record<string, unknown> = {}) {
  return {
    model: MODEL,
    messages: [{ role: 'user', content: `Question number ${i}: why is the sky blue?` }],
    seed: i,
    max_tokens: 40,
    ...extra,
  };
}

function expectedText(i: number): string {
  const prompt = renderChatPrompt([
    { role: 'user', content: `Question number ${i}: why is the sky blue?` },
  ]);
  return generateTokens({ model: MODEL, prompt, seed: i, maxTokens: 40 }).tokens.join('');
}

interface SseResult {
  node: string | null;
  text: string;
  finishReasons: string[];
  done: boolean;
  frames: string[];
}

async function streamChat(i: number): Promise<SseResult> {
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(chatBody(i, { stream: true })),
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
  let text = '';
  const finishReasons: string[] = [];
  for (const frame of frames) {
    expect(frame.startsWith('data: ')).toBe(true);
    const data = frame.slice(6);
    if (data === '[DONE]') continue;
    const chunk = JSON.parse(data) as {
      object: string;
      choices: { delta: { content?: string }; finish_reason: string | null }[];
    };
    expect(chunk.object).toBe('chat.completion.chunk');
    for (const c of chunk.choices) {
      text += c.delta.content ?? '';
      if (c.finish_reason) finishReasons.push(c.finish_reason);
    }
  }
  return {
    node: res.headers.get('x-switchyard-node'),
    text,
    finishReasons,
    done: frames.at(-1) === 'data: [DONE]',
    frames,
  };
}

describe('one request end to end', () => {
  it('serves 64 concurrent streaming requests, each with the text the engine generated, across both nodes', async () => {
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => streamChat(i)));
    for (const [i, r] of results.entries()) {
      expect(r.text).toBe(expectedText(i));
      expect(r.finishReasons).toHaveLength(1);
      expect(['stop', 'length']).toContain(r.finishReasons[0]);
      expect(r.done).toBe(true);
      expect(r.frames.at(-2)).toContain('"finish_reason"');
    }
    const byNode = new Set(results.map((r) => r.node));
    expect(byNode).toEqual(new Set(fleet.nodes.map((n) => n.nodeId)));
  });

  it('serves 64 concurrent non-streaming requests through the official OpenAI client', async () => {
    const client = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        client.chat.completions
          .create(chatBody(i) as OpenAI.ChatCompletionCreateParamsNonStreaming)
          .withResponse(),
      ),
    );
    for (const [i, { data, response }] of results.entries()) {
      expect(data.object).toBe('chat.completion');
      expect(data.choices[0]!.message.content).toBe(expectedText(i));
      expect(['stop', 'length']).toContain(data.choices[0]!.finish_reason);
      expect(data.usage!.completion_tokens).toBeGreaterThan(0);
      expect(response.headers.get('x-switchyard-node')).toMatch(/^e2e-/);
    }
    expect(new Set(results.map((r) => r.response.headers.get('x-switchyard-node'))).size).toBe(2);
  });

  it('streams through the official OpenAI client with usage', async () => {
    const client = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const stream = await client.chat.completions.create({
      ...(chatBody(7) as OpenAI.ChatCompletionCreateParamsNonStreaming),
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(expectedText(7));
    expect(finish).toMatch(/^(stop|length)$/);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
    expect(usage!.total_tokens).toBe(usage!.prompt_tokens + usage!.completion_tokens);
  });

  it('frees the engine slot within a second of the client disconnecting mid-stream', async () => {
    const controller = new AbortController();
    const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(chatBody(1000, { stream: true, max_tokens: 100000, ignore_eos: true })),
      signal: controller.signal,
    });
    const node = fleet.nodes.find((n) => n.nodeId === res.headers.get('x-switchyard-node'))!;
    const reader = res.body!.getReader();
    await reader.read(); // output is flowing
    const busy = async () =>
      ((await (await fetch(`${node.simUrl}/slots`)).json()) as { is_processing: boolean }[]).some(
        (s) => s.is_processing,
      );
    expect(await busy()).toBe(true);
    controller.abort();
    const abortedAt = Date.now();
    await waitFor(async () => !(await busy()), {
      timeoutMs: 1000,
      intervalMs: 25,
      what: 'the sim slot to go idle',
    });
    expect(Date.now() - abortedAt).toBeLessThan(1000);
  });

  it('maps bad input to OpenAI errors without a stack or an internal URL', async () => {
    const post = (body: string) =>
      fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const cases: [string, number, string | null, string | null][] = [
      ['{not json', 400, null, 'invalid_json'],
      [JSON.stringify({ model: MODEL, messages: 'hi' }), 400, 'messages', null],
      [
        JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
        404,
        'model',
        'model_not_found',
      ],
    ];
    for (const [body, status, param, code] of cases) {
      const res = await post(body);
      expect(res.status).toBe(status);
      const json = (await res.json()) as {
        error: { message: string; type: string; param: string | null; code: string | null };
      };
      expect(json.error.type).toBe('invalid_request_error');
      expect(json.error.param).toBe(param);
      expect(json.error.code).toBe(code);
      expect(JSON.stringify(json)).not.toMatch(/127\.0\.0\.1|at .*\.js|stack/);
    }
  });

  it('places a request again on another node when its engine fails before the first token', async () => {
    const [failing, healthy] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
    const faults = (body: object) =>
      fetch(`${failing.simUrl}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    // Start from an idle fleet: loads reported just after the bursts above lag by up to a
    // probe interval and would steer every request to one node.
    await waitFor(
      async () => (await fleet.registry()).every((n) => n.load.running + n.load.waiting === 0),
      {
        timeoutMs: 10000,
        what: 'the fleet to report idle',
      },
    );
    expect((await faults({ failRate: 1 })).ok).toBe(true);
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => streamChat(3000 + i)));
      for (const [i, r] of results.entries()) {
        expect(r.node).toBe(healthy.nodeId);
        expect(r.text).toBe(expectedText(3000 + i));
        expect(r.done).toBe(true);
      }
      const metrics = await (await fetch(`${fleet.gatewayUrl}/metrics`)).text();
      expect(metrics).toMatch(/^switchyard_cluster_nodes\{state="ready"\} 2$/m);
      const failovers = /^switchyard_failovers_total\{model="[^"]+",code="SY_[A-Z_]+"\} (\d+)/m;
      expect(Number(failovers.exec(metrics)?.[1])).toBeGreaterThan(0);
    } finally {
      await faults({ failRate: 0 });
    }
  });

  it('stops placing on a node within 3 s of its worker-agent being killed, and still lists the model', async () => {
    const [victim, survivor] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
    victim.worker.proc.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 3000));
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => streamChat(2000 + i)));
    for (const r of results) {
      expect(r.node).toBe(survivor.nodeId);
      expect(r.done).toBe(true);
    }
    const models = (await (await fetch(`${fleet.gatewayUrl}/v1/models`)).json()) as {
      data: { id: string }[];
    };
    expect(models.data.map((m) => m.id)).toContain(MODEL);
  });
});
