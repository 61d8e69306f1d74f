import {
  InferenceClientProviderApiError,
  request,
  setLogger,
  streamingRequest,
  textGeneration,
  type TextGenerationStreamOutput,
} from '@huggingface/inference';
import { DEFAULT_SEED, generateTokens } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The TGI dialect (`/generate`, `/generate_stream`, `POST /`, `/info`, `/health`) against a
 * gateway, llama.cpp-personality engines and one TGI-personality engine on real Redis.
 *
 * The official `@huggingface/inference` v4 client reaches TGI's native routes through its
 * `request` / `streamingRequest` primitives, which post `{inputs, parameters}` to the endpoint
 * URL as they are; its `textGeneration` task now posts OpenAI completions to
 * `<endpointUrl>/v1/completions` instead (providers/hf-inference.ts), shown here too.
 */
const MODEL = 'e2e-tiny';
/** Sorts after MODEL, so `auto` (the catalogue's first model with room) stays on MODEL. */
const TGI_MODEL = 'zz-tgi-model';
let fleet: Fleet;
let gw: string;

beforeAll(async () => {
  setLogger({
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: console.error,
    log: () => {},
  });
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 4, decodeMs: 2 },
      { slots: 4, decodeMs: 2 },
      { slots: 2, decodeMs: 2, engine: 'tgi', model: TGI_MODEL },
    ],
  });
  gw = fleet.gatewayUrl;
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

/** What the simulated engine writes for a raw prompt (no chat template on these routes). */
function expected(prompt: string, maxTokens: number, seed = DEFAULT_SEED, model = MODEL) {
  const { tokens, finish } = generateTokens({ model, prompt, seed, maxTokens });
  return {
    text: tokens.join(''),
    finishReason: finish === 'limit' ? 'length' : 'eos_token',
    // The engine counts the EOS token it decoded.
    generatedTokens: tokens.length + (finish === 'eos' ? 1 : 0),
  };
}

const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The JSON of each `data:` event of a TGI stream, checking axum's framing on the way. */
async function sseEvents(res: Response): Promise<Record<string, unknown>[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const raw = await res.text();
  expect(raw.endsWith('\n\n')).toBe(true);
  const frames = raw.split('\n\n').filter((f) => f !== '');
  for (const f of frames) expect(f.startsWith('data:{')).toBe(true);
  expect(raw).not.toContain('[DONE]');
  return frames.map((f) => JSON.parse(f.slice('data:'.length)) as Record<string, unknown>);
}

const question = (i: number) => `Question number ${i}: why is the sky blue?`;

describe('TGI through @huggingface/inference', () => {
  it('request() on /generate: generated_text, details, finish reason and token count', async () => {
    const inputs = question(1);
    const res = await request<{ generated_text: string; details: Record<string, unknown> }>({
      endpointUrl: `${gw}/generate`,
      inputs,
      parameters: { max_new_tokens: 30, seed: 11, do_sample: true, details: true },
    });
    const want = expected(inputs, 30, 11);
    expect(res.generated_text).toBe(want.text);
    expect(res.details).toMatchObject({
      finish_reason: want.finishReason,
      generated_tokens: want.generatedTokens,
      seed: 11,
      prefill: [],
    });
    const tokens = res.details.tokens as { text: string; special: boolean }[];
    expect(tokens.map((t) => t.text).join('')).toBe(want.text);
  });

  it('streamingRequest() on /generate_stream: one event per token, the last with details', async () => {
    const inputs = question(2);
    const events: TextGenerationStreamOutput[] = [];
    for await (const e of streamingRequest<TextGenerationStreamOutput>({
      endpointUrl: `${gw}/generate_stream`,
      inputs,
      parameters: { max_new_tokens: 25, details: true },
    })) {
      events.push(e);
    }
    // Greedy (no sampling knob), so the engine's default seed.
    const want = expected(inputs, 25);
    const text = events
      .filter((e) => !e.token.special)
      .map((e) => e.token.text)
      .join('');
    expect(text).toBe(want.text);
    expect(events.map((e) => e.index)).toEqual(events.map((_, i) => i + 1));
    expect(events.slice(0, -1).every((e) => e.generated_text === null)).toBe(true);
    const last = events.at(-1)!;
    expect(last.generated_text).toBe(want.text);
    expect(last.details).toMatchObject({
      finish_reason: want.finishReason,
      generated_tokens: want.generatedTokens,
    });
    expect((last.details as unknown as { input_length: number }).input_length).toBeGreaterThan(0);
  });

  it('a refused parameter is a 422 the client reports with TGI’s message', async () => {
    const call = request({
      endpointUrl: `${gw}/generate`,
      inputs: 'Hi',
      parameters: { top_p: 1.0 },
    });
    await expect(call).rejects.toBeInstanceOf(InferenceClientProviderApiError);
    await expect(call).rejects.toMatchObject({
      message: 'Failed to perform inference: `top_p` must be > 0.0 and < 1.0',
      httpResponse: { status: 422, body: { error_type: 'validation' } },
    });
  });

  it('textGeneration() (v4: OpenAI completions under the endpoint) gets the same text', async () => {
    const inputs = question(3);
    const res = await textGeneration({
      model: MODEL,
      endpointUrl: gw,
      inputs,
      parameters: { max_new_tokens: 20, seed: 5 },
    });
    expect(res.generated_text).toBe(expected(inputs, 20, 5).text);
  });
});

describe('TGI: the seed 003 requests as written', () => {
  it('the documented parameter set on /generate', async () => {
    const inputs = 'My name is Olivier and I';
    const res = await post('/generate', {
      inputs,
      parameters: {
        best_of: 1,
        decoder_input_details: false,
        details: true,
        do_sample: true,
        frequency_penalty: 0.1,
        grammar: null,
        max_new_tokens: 20,
        repetition_penalty: 1.03,
        return_full_text: false,
        seed: null,
        stop: ['photographer'],
        temperature: 0.5,
        top_k: 10,
        top_n_tokens: 5,
        top_p: 0.95,
        truncate: null,
        typical_p: 0.95,
        watermark: true,
      },
    });
    expect(res.status).toBe(200);
    const want = expected(inputs, 20);
    expect(res.headers.get('x-generated-tokens')).toBe(String(want.generatedTokens));
    expect(Number(res.headers.get('x-prompt-tokens'))).toBeGreaterThan(0);
    expect(res.headers.get('x-compute-characters')).toBe(String(inputs.length));
    expect(Number(res.headers.get('x-total-time'))).toBeGreaterThanOrEqual(0);
    const body = (await res.json()) as {
      generated_text: string;
      details: { tokens: unknown[]; top_tokens: unknown[][] } & Record<string, unknown>;
    };
    expect(body.generated_text).toBe(want.text);
    expect(body.details).toMatchObject({
      finish_reason: want.finishReason,
      generated_tokens: want.generatedTokens,
      seed: null,
      prefill: [],
    });
    expect(body.details.tokens.length).toBeGreaterThan(0);
    expect(body.details.top_tokens).toHaveLength(body.details.tokens.length);
    expect(body.details.top_tokens[0]).toHaveLength(5);
  });

  it('sampling without details on /generate answers generated_text alone', async () => {
    const inputs = '如何才能拥有性感的身材?';
    const res = await post('/generate', {
      inputs,
      parameters: {
        do_sample: true,
        frequency_penalty: 0.1,
        temperature: 0.5,
        top_k: 10,
        top_n_tokens: 5,
        max_new_tokens: 256,
      },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ generated_text: expected(inputs, 256).text });
  });

  it('/generate_stream with max_new_tokens alone', async () => {
    const inputs = '如何才能拥有性感的身材?';
    const events = await sseEvents(
      await post('/generate_stream', { inputs, parameters: { max_new_tokens: 50 } }),
    );
    const last = events.at(-1)!;
    expect(last.generated_text).toBe(expected(inputs, 50).text);
    expect(last.details).toBeNull();
  });

  it('MindIE’s body: decoder_input_details and watermark with "stream": false', async () => {
    const inputs = '保持健康的方法';
    const res = await post('/generate', {
      inputs,
      parameters: {
        best_of: 1,
        decoder_input_details: true,
        details: true,
        do_sample: true,
        max_new_tokens: 64,
        repetition_penalty: 1.03,
        return_full_text: false,
        seed: null,
        stop: ['photographer'],
        temperature: 0.5,
        top_n_tokens: 5,
        top_p: 0.95,
        truncate: null,
        typical_p: 0.95,
        watermark: true,
      },
      stream: false,
    });
    expect(res.status).toBe(200);
    const want = expected(inputs, 64);
    expect(await res.json()).toMatchObject({
      generated_text: want.text,
      details: {
        finish_reason: want.finishReason,
        generated_tokens: want.generatedTokens,
        prefill: [{ id: 0, text: inputs, logprob: null }],
      },
    });
  });
});

describe('TGI: other routes and choices', () => {
  it('/generate with "stream": true streams like /generate_stream', async () => {
    const inputs = question(4);
    const events = await sseEvents(
      await post('/generate', { inputs, parameters: { max_new_tokens: 12 }, stream: true }),
    );
    expect(events.at(-1)!.generated_text).toBe(expected(inputs, 12).text);
  });

  it('POST / answers a list with the full text, or streams with "stream": true', async () => {
    const inputs = question(5);
    const want = expected(inputs, 15);
    const res = await post('/', { inputs, parameters: { max_new_tokens: 15 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([{ generated_text: inputs + want.text }]);
    const events = await sseEvents(
      await post('/', {
        inputs,
        parameters: { max_new_tokens: 15, return_full_text: false },
        stream: true,
      }),
    );
    expect(events.at(-1)!.generated_text).toBe(want.text);
  });

  it('best_of 2 returns the better sequence and the other in best_of_sequences', async () => {
    const inputs = question(6);
    const res = await post('/generate', {
      inputs,
      parameters: { best_of: 2, do_sample: true, details: true, max_new_tokens: 16 },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      generated_text: string;
      details: { best_of_sequences: { generated_text: string }[] };
    };
    // The llama.cpp engine seeds choice i with seed + i.
    const candidates = [expected(inputs, 16).text, expected(inputs, 16, DEFAULT_SEED + 1).text];
    expect(body.details.best_of_sequences).toHaveLength(1);
    expect([body.generated_text, body.details.best_of_sequences[0]!.generated_text].sort()).toEqual(
      [...candidates].sort(),
    );
  });

  it('a model header routes to another model, here on a TGI engine with watermark and truncate', async () => {
    const inputs = question(7);
    const res = await post(
      '/generate',
      {
        inputs,
        parameters: { max_new_tokens: 18, seed: 3, do_sample: true, watermark: true, truncate: 64 },
      },
      { 'x-switchyard-model': TGI_MODEL },
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      generated_text: expected(inputs, 18, 3, TGI_MODEL).text,
    });
  });

  it('/info describes the first served model with Switchyard’s limits; /health is 200', async () => {
    const info = (await (await fetch(`${gw}/info`)).json()) as Record<string, unknown>;
    expect(info).toMatchObject({
      model_id: MODEL,
      max_best_of: 2,
      max_stop_sequences: 4,
      router: 'switchyard',
    });
    const other = await fetch(`${gw}/info`, { headers: { 'x-switchyard-model': TGI_MODEL } });
    expect(await other.json()).toMatchObject({ model_id: TGI_MODEL });
    const health = await fetch(`${gw}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('');
  });

  it('errors are {error, error_type} with TGI’s statuses', async () => {
    const badStream = await post('/generate_stream', {
      inputs: 'Hi',
      parameters: { best_of: 2, do_sample: true },
    });
    expect(badStream.status).toBe(422);
    expect(await badStream.json()).toEqual({
      error: '`best_of` != 1 is not supported when streaming tokens',
      error_type: 'validation',
    });
    const unknown = await post('/generate', { inputs: 'Hi' }, { 'x-model': 'no-such-model' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error_type: 'not_found' });
    const noInputs = await post('/generate', { parameters: {} });
    expect(noInputs.status).toBe(422);
    expect(await noInputs.json()).toMatchObject({ error_type: 'validation' });
  });
});
