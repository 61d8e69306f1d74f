import { DEFAULT_SEED, generateTokens } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The vLLM demo API (`POST /generate` with `prompt`) and KServe v2 / Triton generate
 * (`/v2/...`) against a gateway, llama.cpp-personality engines and worker-agents on real Redis.
 * Neither protocol has an official JavaScript client, so these are the requests their own
 * examples send (vLLM's examples/api_client.py, Triton's generate docs, seed 003's curl lines).
 */
const MODEL = 'e2e-tiny';
let fleet: Fleet;
let gw: string;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2 },
    ],
  });
  gw = fleet.gatewayUrl;
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

/** What the simulated llama.cpp engine writes for a raw prompt; choice i is seeded seed + i. */
function completion(prompt: string, maxTokens: number, seed = DEFAULT_SEED) {
  const { tokens, finish } = generateTokens({ model: MODEL, prompt, seed, maxTokens });
  return {
    text: tokens.join(''),
    finish: finish === 'limit' ? 'length' : 'stop',
    outputTokens: tokens.length + (finish === 'eos' ? 1 : 0),
  };
}

const post = (path: string, body: unknown) =>
  fetch(`${gw}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('vLLM demo /generate', () => {
  it('seed 003: five choices, each the prompt followed by its completion', async () => {
    const prompt = '保持健康的方法';
    const res = await post('/generate', { prompt, n: 5, temperature: 0.0, max_tokens: 64 });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { text: string[] };
    expect(body.text).toEqual(
      [0, 1, 2, 3, 4].map((i) => prompt + completion(prompt, 64, DEFAULT_SEED + i).text),
    );
  });

  it('streams newline-terminated {"text": [...]} with cumulative text per choice', async () => {
    const prompt = 'Tell me about rivers.';
    const res = await post('/generate', { prompt, n: 2, max_tokens: 20, seed: 5, stream: true });
    expect(res.status).toBe(200);
    const raw = await res.text();
    expect(raw.endsWith('\n')).toBe(true);
    const lines = raw
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { text: string[] });
    const want = [prompt + completion(prompt, 20, 5).text, prompt + completion(prompt, 20, 6).text];
    expect(lines.length).toBeGreaterThan(2);
    expect(lines.at(-1)).toEqual({ text: want });
    // Every message holds the whole text so far: each is a prefix of the final one.
    for (const line of lines) {
      line.text.forEach((t, i) => expect(want[i]!.startsWith(t)).toBe(true));
    }
  });

  it('an unknown key is a clean 400 naming it', async () => {
    const res = await post('/generate', { prompt: 'x', beam_width: 4 });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: "'beam_width' is not a vLLM sampling parameter" });
  });
});

describe('KServe v2 / Triton', () => {
  it('seed 003: GET /v2 describes the server', async () => {
    const res = await fetch(`${gw}/v2`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'switchyard',
      version: expect.any(String) as string,
      extensions: ['generate'],
    });
  });

  it('health and readiness answer 200 with empty bodies; an unknown model is not ready', async () => {
    for (const path of ['/v2/health/live', '/v2/health/ready', `/v2/models/${MODEL}/ready`]) {
      const res = await fetch(`${gw}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      expect(await res.text()).toBe('');
    }
    const unknown = await fetch(`${gw}/v2/models/no-such-model/ready`);
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toBe('');
  });

  it('model metadata, and Triton’s 400 for an unknown model', async () => {
    const res = await fetch(`${gw}/v2/models/${MODEL}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: MODEL,
      versions: ['1'],
      inputs: expect.arrayContaining([{ name: 'text_input', datatype: 'BYTES', shape: [1] }]) as [],
      outputs: expect.arrayContaining([
        { name: 'text_output', datatype: 'BYTES', shape: [-1] },
      ]) as [],
    });
    const unknown = await fetch(`${gw}/v2/models/no-such-model`);
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toEqual({
      error: "Request for unknown model: 'no-such-model' is not found",
    });
  });

  it('generate: prompt + completion, finish reason and token counts, id echoed', async () => {
    const prompt = 'What is machine learning?';
    const res = await post(`/v2/models/${MODEL}/generate`, {
      id: 'q-1',
      text_input: prompt,
      parameters: { max_tokens: 24, seed: 9, temperature: 0.7 },
    });
    expect(res.status).toBe(200);
    const want = completion(prompt, 24, 9);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: 'q-1',
      model_name: MODEL,
      model_version: '1',
      text_output: prompt + want.text,
      finish_reason: want.finish,
      num_output_tokens: want.outputTokens,
    });
    expect(body.num_input_tokens).toBeGreaterThan(0);
  });

  it('generate under a version path with TensorRT-LLM style inputs', async () => {
    const prompt = 'What is a GPU?';
    const res = await post(`/v2/models/${MODEL}/versions/1/generate`, {
      text_input: prompt,
      max_tokens: 16,
      bad_words: '',
      stop_words: '',
      random_seed: 4,
      exclude_input_in_output: true,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text_output: completion(prompt, 16, 4).text });
  });

  it('generate_stream: SSE deltas, then a last event with the finish reason', async () => {
    const prompt = 'Why do cats purr?';
    const res = await post(`/v2/models/${MODEL}/generate_stream`, {
      text_input: prompt,
      parameters: { max_tokens: 20, seed: 2, stream: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const raw = await res.text();
    expect(raw).not.toContain('[DONE]');
    const events = raw
      .split('\n\n')
      .filter((f) => f !== '')
      .map((f) => {
        expect(f.startsWith('data: ')).toBe(true);
        return JSON.parse(f.slice('data: '.length)) as Record<string, unknown>;
      });
    const want = completion(prompt, 20, 2);
    expect(events.map((e) => e.text_output).join('')).toBe(want.text);
    expect(events.at(-1)).toMatchObject({
      model_name: MODEL,
      text_output: '',
      finish_reason: want.finish,
      num_output_tokens: want.outputTokens,
    });
  });

  it('generate on an unknown model, or with an unknown input, is a 400 {"error"}', async () => {
    const unknownModel = await post('/v2/models/no-such-model/generate', { text_input: 'x' });
    expect(unknownModel.status).toBe(400);
    expect(await unknownModel.json()).toEqual({ error: expect.stringContaining('no-such-model') });
    const unknownInput = await post(`/v2/models/${MODEL}/generate`, {
      text_input: 'x',
      frobnicate: true,
    });
    expect(unknownInput.status).toBe(400);
    expect(await unknownInput.json()).toEqual({
      error: `unexpected inference input 'frobnicate' for model '${MODEL}'`,
    });
  });
});
