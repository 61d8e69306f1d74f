import { startEngineSim, type RunningSim } from '../../core/sim-server';
import {
  exchange,
  fixture,
  headerNames,
  keysOf,
  sseData,
  type HttpMessage,
} from '../../core/wire-fixtures.spec-support';

/** TGI's validation and error answers over real HTTP, against `libs/engines/fixtures/tgi`. */

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const INPUTS = 'The sky over the harbour';
const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];

const tgi = (name: string): HttpMessage => fixture('tgi', name);

let sim: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'tgi', port: 0, model: MODEL, decodeMs: 1, slots: 2 });
});
afterAll(() => sim.close());
afterEach(() =>
  setFaults({ failRate: 0, overloadWhenFull: false, stallMs: 0, dieAfterTokens: null }),
);

async function setFaults(faults: Record<string, unknown>): Promise<void> {
  await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify(faults) });
}

const post = (route: string, body: unknown): Promise<HttpMessage> =>
  exchange(sim.url, 'POST', route, body);

describe('TGI validation and errors', () => {
  const generate = (parameters: object) => ({ inputs: INPUTS, parameters });

  it.each([
    [{ temperature: 0 }, '`temperature` must be strictly positive'],
    [{ top_p: 1 }, '`top_p` must be > 0.0 and < 1.0'],
    [{ top_k: 0 }, '`top_k` must be strictly positive'],
    [{ max_new_tokens: 0 }, '`max_new_tokens` must be strictly positive'],
    [{ stop: ['a', 'b', 'c', 'd', 'e'] }, '`stop` supports up to 4 stop sequences. Given: 5'],
    [{ best_of: 2, do_sample: true, seed: 1 }, '`seed` must not be set when `best_of` > 1'],
    [{ max_new_tokens: 5000 }, '`inputs` tokens + `max_new_tokens` must be <= 4096'],
  ])('refuses %j with 422 validation', async (parameters, message) => {
    const res = await post('/generate', generate(parameters));
    const want = tgi('error-validation.http');
    expect(res.status).toBe(422);
    expect(headerNames(res)).toEqual(headerNames(want));
    const body = JSON.parse(res.body) as { error: string; error_type: string };
    expect(keysOf(body)).toEqual(keysOf(JSON.parse(want.body)));
    expect(body).toEqual({
      error: expect.stringContaining(`Input validation error: ${message}`),
      error_type: 'validation',
    });
  });

  it('reports validation inside a stream with status 200, as TGI does', async () => {
    const native = await post('/generate_stream', generate({ best_of: 2 }));
    expect(native.status).toBe(200);
    expect(sseData(native.body)).toEqual([
      JSON.stringify({
        error: 'Input validation error: `best_of` != 1 is not supported when streaming tokens',
        error_type: 'validation',
      }),
    ]);
    const chat = await post('/v1/chat/completions', { messages: MESSAGES, top_p: 1, stream: true });
    const [error, done] = sseData(chat.body);
    expect(keysOf(JSON.parse(error ?? ''))).toEqual(
      keysOf(JSON.parse(sseData(tgi('chat-stream-validation-error.http').body)[0] ?? '')),
    );
    expect(done).toBe('[DONE]');
  });

  it('answers an overloaded engine with 429, an injected failure with its status', async () => {
    // The stall holds both slots long enough for the third request to find them taken.
    await setFaults({ overloadWhenFull: true, stallMs: 300 });
    const long = { inputs: INPUTS, parameters: { max_new_tokens: 3 } };
    const busy = [post('/generate', long), post('/generate', long)];
    await new Promise((resolve) => setTimeout(resolve, 50));
    const refused = await post('/generate_stream', long);
    expect(refused.status).toBe(429);
    expect(refused.body).toBe(tgi('error-overloaded.http').body);
    await Promise.all(busy);

    await setFaults({ overloadWhenFull: false, stallMs: 0, failRate: 1 });
    const failed = await post('/v1/chat/completions', { messages: MESSAGES, stream: true });
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ error_type: 'incomplete_generation' });
  });

  it('cuts the connection mid-stream when the engine dies, before the last event', async () => {
    await setFaults({ dieAfterTokens: 3 });
    const res = await post('/generate_stream', generate({ max_new_tokens: 30 }));
    const got = sseData(res.body).map((d) => JSON.parse(d) as { generated_text: string | null });
    expect(got).toHaveLength(3);
    expect(got.every((e) => e.generated_text === null)).toBe(true);
  });

  it('refuses bodies axum cannot read with plain text, and unknown routes with a bare 404', async () => {
    const bad = await post('/generate', '{"inputs":');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/^Failed to parse the request body as JSON: /);
    const shape = await post('/generate', { parameters: {} });
    expect(shape.status).toBe(422);
    expect(shape.body).toMatch(/missing field `inputs`/);
    const missing = await exchange(sim.url, 'GET', '/nope');
    expect(missing).toMatchObject({ status: 404, body: '' });
  });
});
