import { Ollama } from 'ollama';
import { generateTokens, renderChatPrompt } from '../../apps/engine-sim/src';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The Ollama dialect (`/api/chat`, `/api/generate`) through the official `ollama` client,
 * against a gateway, llama.cpp-personality simulated engines and worker-agents on real Redis.
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

  it('reports an unknown model as a 404 ResponseError', async () => {
    const call = ollama.chat({
      model: 'no-such-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: false,
    });
    await expect(call).rejects.toMatchObject({ name: 'ResponseError', status_code: 404 });
    const err = (await call.catch((e: unknown) => e)) as { error: string };
    expect(err.error).toContain('no-such-model');
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
