import { createHash } from 'node:crypto';
import { SWITCHYARD_VERSION } from '@switchyard/contracts';
import { Ollama } from 'ollama';
import { countTokens, embedText, generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The Ollama dialect (`/api/chat`, `/api/generate`, `/api/embed`, the informational routes)
 * through the official `ollama` client and plain fetch, against a gateway, llama.cpp-personality
 * simulated engines and worker-agents on real Redis.
 */
const MODEL = 'e2e-tiny';
let fleet: Fleet;
let ollama: Ollama;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2 },
    ],
  });
  ollama = new Ollama({ host: fleet.gatewayUrl });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

const MAX_TOKENS = 40;

function expected(messages: { role: string; content: string }[], seed: number) {
  const prompt = renderChatPrompt(messages);
  const { tokens, finish } = generateTokens({ model: MODEL, prompt, seed, maxTokens: MAX_TOKENS });
  return { text: tokens.join(''), doneReason: finish === 'limit' ? 'length' : 'stop' };
}

const question = (i: number) => `Question number ${i}: why is the sky blue?`;
const options = (seed: number) => ({ seed, num_predict: MAX_TOKENS });

describe('/api/chat through the ollama client', () => {
  it('answers a whole chat with the final object fields', async () => {
    const messages = [{ role: 'user', content: question(1) }];
    const res = await ollama.chat({ model: MODEL, messages, options: options(1), stream: false });
    const want = expected(messages, 1);
    expect(res.model).toBe(MODEL);
    expect(res.message.role).toBe('assistant');
    expect(res.message.content).toBe(want.text);
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe(want.doneReason);
    expect(res.eval_count).toBeGreaterThan(0);
    expect(res.prompt_eval_count).toBeGreaterThan(0);
    expect(res.total_duration).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(res.created_at as unknown as string))).toBe(false);
  });

  it('streams a chat: content parts, then one done object with counts and durations', async () => {
    const messages = [
      { role: 'system', content: 'Answer briefly.' },
      { role: 'user', content: question(2) },
    ];
    const stream = await ollama.chat({ model: MODEL, messages, options: options(2), stream: true });
    let text = '';
    const parts = [];
    for await (const part of stream) {
      text += part.message.content;
      parts.push(part);
    }
    const want = expected(messages, 2);
    expect(text).toBe(want.text);
    expect(parts.filter((p) => p.done)).toHaveLength(1);
    const last = parts.at(-1)!;
    expect(last.done).toBe(true);
    expect(last.done_reason).toBe(want.doneReason);
    expect(last.eval_count).toBeGreaterThan(0);
    expect(last.eval_duration).toBeGreaterThan(0);
    expect(last.total_duration).toBeGreaterThanOrEqual(last.eval_duration);
  });

  it('answers an empty chat as a model load', async () => {
    const res = await ollama.chat({ model: MODEL, messages: [], stream: false });
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe('load');
    expect(res.message.content).toBe('');
  });

  it("reports an unknown model as a 404 ResponseError in Ollama's words", async () => {
    const call = ollama.chat({
      model: 'no-such-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    await expect(call).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 404,
      error: "model 'no-such-model' not found",
    });
  });

  it('answers to the name ollama list shows (model:latest)', async () => {
    const messages = [{ role: 'user', content: question(6) }];
    const res = await ollama.chat({
      model: `${MODEL}:latest`,
      messages,
      options: options(6),
      stream: false,
    });
    expect(res.message.content).toBe(expected(messages, 6).text);
    const load = await ollama.chat({ model: `${MODEL}:latest`, messages: [], stream: false });
    expect(load.done_reason).toBe('load');
  });
});

describe('/api/generate through the ollama client', () => {
  it('answers a whole generation (system + prompt run as a chat turn)', async () => {
    const res = await ollama.generate({
      model: MODEL,
      system: 'Answer briefly.',
      prompt: question(3),
      options: options(3),
      stream: false,
    });
    const want = expected(
      [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: question(3) },
      ],
      3,
    );
    expect(res.response).toBe(want.text);
    expect(res.done).toBe(true);
    expect(res.done_reason).toBe(want.doneReason);
    expect(res.eval_count).toBeGreaterThan(0);
  });

  it('streams a generation', async () => {
    const stream = await ollama.generate({
      model: MODEL,
      prompt: question(4),
      options: options(4),
      stream: true,
    });
    let text = '';
    let last: { done: boolean; done_reason: string; eval_count: number } | undefined;
    for await (const part of stream) {
      text += part.response;
      last = part;
    }
    const want = expected([{ role: 'user', content: question(4) }], 4);
    expect(text).toBe(want.text);
    expect(last?.done).toBe(true);
    expect(last?.done_reason).toBe(want.doneReason);
    expect(last?.eval_count).toBeGreaterThan(0);
  });

  it('streams NDJSON when the body has no "stream" field, as Ollama does', async () => {
    const res = await fetch(`${fleet.gatewayUrl}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: question(5), options: options(5) }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await res.text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { response: string; done: boolean; done_reason?: string });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.map((l) => l.response).join('')).toBe(
      expected([{ role: 'user', content: question(5) }], 5).text,
    );
    expect(lines.filter((l) => l.done)).toEqual([lines.at(-1)]);
  });

  it("refuses a bad body with Ollama's flat 400 error", async () => {
    const res = await fetch(`${fleet.gatewayUrl}/api/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'no model' }),
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error).toContain('model');
  });
});

describe('informational routes through the ollama client', () => {
  it('GET / and HEAD / say Ollama is running, as the CLI heartbeat expects', async () => {
    const res = await fetch(`${fleet.gatewayUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await res.text()).toBe('Ollama is running');
    const head = await fetch(`${fleet.gatewayUrl}/`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it("version() is Switchyard's version", async () => {
    expect(await ollama.version()).toEqual({ version: SWITCHYARD_VERSION });
  });

  it('list() shows the served model once, under its Ollama name', async () => {
    const { models } = await ollama.list();
    expect(models).toEqual([
      {
        name: `${MODEL}:latest`,
        model: `${MODEL}:latest`,
        modified_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) as unknown,
        size: 0,
        digest: createHash('sha256').update(MODEL).digest('hex'),
        details: {
          parent_model: '',
          format: 'gguf',
          family: '',
          families: [],
          parameter_size: '',
          quantization_level: '',
        },
      },
    ]);
    // The model appeared when the fleet's nodes started, a moment ago.
    const age = Date.now() - Date.parse(models[0]!.modified_at as unknown as string);
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(10 * 60_000);
  });

  it('ps() shows it loaded for good', async () => {
    const { models } = await ollama.ps();
    expect(models.map((m) => m.name)).toEqual([`${MODEL}:latest`]);
    const m = models[0]!;
    const years = (Date.parse(m.expires_at as unknown as string) - Date.now()) / 31_557_600_000;
    expect(years).toBeGreaterThan(290);
    expect(m).toMatchObject({ model: `${MODEL}:latest`, size: 0, size_vram: 0 });
  });

  it('show() describes it by either name; an unknown model is a 404', async () => {
    const show = await ollama.show({ model: MODEL });
    expect(show.capabilities).toEqual(['completion', 'tools']);
    expect(show.details.format).toBe('gguf');
    expect(show.modelfile).toContain(`\nFROM ${MODEL}:latest\n`);
    expect(show.model_info).toEqual({
      'switchyard.engines': ['llamacpp'],
      'switchyard.model': MODEL,
      'switchyard.nodes': 2,
    });
    expect(await ollama.show({ model: `${MODEL}:latest` })).toEqual(show);
    await expect(ollama.show({ model: 'no-such-model' })).rejects.toMatchObject({
      name: 'ResponseError',
      status_code: 404,
      error: "model 'no-such-model' not found",
    });
  });
});

describe('/api/embed through the ollama client', () => {
  const DIM = 384; // the simulator's default embedding size
  const texts = ['the sky is blue', 'grass is green', 'the sky is blue'];
  const norm = (v: number[]) => Math.hypot(...v);

  it('embeds a list: one unit vector per input, equal inputs equal vectors, counts', async () => {
    const res = await ollama.embed({ model: MODEL, input: texts });
    expect(res.model).toBe(MODEL);
    expect(res.embeddings).toHaveLength(3);
    for (const [i, v] of res.embeddings.entries()) {
      expect(v).toHaveLength(DIM);
      expect(norm(v)).toBeCloseTo(1, 6);
      // The engine's vector, normalised again as Ollama does.
      embedText(MODEL, texts[i]!, DIM).forEach((want, k) => expect(v[k]).toBeCloseTo(want, 6));
    }
    expect(res.embeddings[2]).toEqual(res.embeddings[0]);
    expect(res.embeddings[1]).not.toEqual(res.embeddings[0]);
    // Each input is tokenised with BOS.
    expect(res.prompt_eval_count).toBe(texts.reduce((n, t) => n + countTokens(t) + 1, 0));
    expect(res.total_duration).toBeGreaterThan(0);
  });

  it('cuts vectors to dimensions and normalises them again', async () => {
    const res = await ollama.embed({ model: MODEL, input: 'the sky is blue', dimensions: 8 });
    expect(res.embeddings).toHaveLength(1);
    expect(res.embeddings[0]).toHaveLength(8);
    expect(norm(res.embeddings[0]!)).toBeCloseTo(1, 6);
  });

  it('an empty input loads the model and answers no vectors', async () => {
    expect(await ollama.embed({ model: MODEL, input: [] })).toEqual({
      model: MODEL,
      embeddings: [],
    });
  });

  it('the legacy embeddings() returns the engine vector as it is', async () => {
    const res = await ollama.embeddings({ model: MODEL, prompt: 'grass is green' });
    expect(res.embedding.map(Math.fround)).toEqual(embedText(MODEL, 'grass is green', DIM));
  });

  it('an unknown model is a 404, an input of the wrong type a 400', async () => {
    await expect(ollama.embed({ model: 'no-such-model', input: 'x' })).rejects.toMatchObject({
      status_code: 404,
      error: "model 'no-such-model' not found",
    });
    const res = await fetch(`${fleet.gatewayUrl}/api/embed`, {
      method: 'POST',
      body: JSON.stringify({ model: MODEL, input: 42 }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "Invalid value for 'input': invalid input type" });
  });
});

/**
 * Seed 002 (a Korean copy of docs/api.md): its four curl bodies, sent as curl -d sends them
 * (form content type), model name aside. The answers have the shapes that document shows:
 * `load_duration` is the wait until a node took the request (nodes keep their models loaded),
 * and generate's `context` carries the conversation itself rather than token ids
 * (libs/dialects/src/ollama/ollama-context.ts).
 */
describe('seed 002, replayed verbatim', () => {
  const curl = async (path: string, body: string) =>
    fetch(`${fleet.gatewayUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
    });
  const ndjson = async (res: Response) =>
    (await res.text())
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const FINAL = [
    'created_at',
    'done',
    'done_reason',
    'eval_count',
    'eval_duration',
    'load_duration',
    'model',
    'prompt_eval_count',
    'prompt_eval_duration',
    'total_duration',
  ];
  const sky = (content: string) => {
    const { tokens } = generateTokens({
      model: MODEL,
      prompt: renderChatPrompt([{ role: 'user', content }]),
    });
    return tokens.join('');
  };

  function expectFinal(o: Record<string, unknown>, ...outputs: string[]) {
    expect(Object.keys(o).sort()).toEqual([...FINAL, ...outputs].sort());
    expect(o).toMatchObject({ model: MODEL, done: true, done_reason: 'stop' });
    for (const k of FINAL.filter((f) => f.endsWith('_duration') || f.endsWith('_count'))) {
      expect(o[k]).toBeGreaterThan(0);
    }
    expect(o.total_duration as number).toBeGreaterThanOrEqual(o.eval_duration as number);
  }

  it('generate, streamed: response lines, then done with durations and counts', async () => {
    const res = await curl(
      '/api/generate',
      `{ "model": "${MODEL}", "prompt": "Why is the sky blue?" }`,
    );
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = await ndjson(res);
    const last = lines.pop()!;
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['model', 'created_at', 'response', 'done']);
      expect(l).toMatchObject({ model: MODEL, done: false });
    }
    expect(lines.map((l) => l.response).join('')).toBe(sky('Why is the sky blue?'));
    expect(last.response).toBe('');
    expectFinal(last, 'response', 'context');
  });

  it('generate, stream false: one object', async () => {
    const res = await curl(
      '/api/generate',
      `{ "model": "${MODEL}", "prompt": "Why is the sky blue?", "stream": false }`,
    );
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.response).toBe(sky('Why is the sky blue?'));
    expectFinal(body, 'response', 'context');
  });

  it('chat, streamed: message lines, then done with durations and counts', async () => {
    const res = await curl(
      '/api/chat',
      `{ "model": "${MODEL}", "messages": [ { "role": "user", "content": "why is the sky blue?" } ] }`,
    );
    const lines = await ndjson(res);
    const last = lines.pop()!;
    for (const l of lines) {
      expect(Object.keys(l)).toEqual(['model', 'created_at', 'message', 'done']);
      expect(l).toMatchObject({ model: MODEL, done: false, message: { role: 'assistant' } });
    }
    const text = lines.map((l) => (l.message as { content: string }).content).join('');
    expect(text).toBe(sky('why is the sky blue?'));
    expect(last.message).toEqual({ role: 'assistant', content: '' });
    expectFinal(last, 'message');
  });

  it('chat, stream false: one object with the whole message', async () => {
    const res = await curl(
      '/api/chat',
      `{ "model": "${MODEL}", "messages": [ { "role": "user", "content": "why is the sky blue?" } ], "stream": false }`,
    );
    const body = (await res.json()) as Record<string, unknown>;
    expect(body.message).toEqual({ role: 'assistant', content: sky('why is the sky blue?') });
    expectFinal(body, 'message');
  });
});

describe('a node failing mid-stream', () => {
  const faults = (body: object) =>
    Promise.all(
      fleet.nodes.map((n) =>
        fetch(`${n.simUrl}/__sim/faults`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      ),
    );

  it('ends the NDJSON stream with an {"error"} line and no done object', async () => {
    await faults({ dieAfterTokens: 3 });
    try {
      const res = await fetch(`${fleet.gatewayUrl}/api/chat`, {
        method: 'POST',
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: 'user', content: question(7) }],
          options: options(7),
        }),
      });
      expect(res.status).toBe(200);
      const lines = (await res.text())
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.some((l) => l.done === true)).toBe(false);
      const last = lines.at(-1)!;
      expect(Object.keys(last)).toEqual(['error']);
      expect(typeof last.error).toBe('string');

      // The official client raises it while iterating.
      const stream = await ollama.chat({
        model: MODEL,
        messages: [{ role: 'user', content: question(8) }],
        options: options(8),
        stream: true,
      });
      const drain = async () => {
        for await (const part of stream) void part;
      };
      await expect(drain()).rejects.toThrow(last.error as string);
    } finally {
      await faults({ dieAfterTokens: null });
    }
  });
});
