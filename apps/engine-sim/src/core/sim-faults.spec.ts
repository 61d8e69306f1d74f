import { startEngineSim, type EngineSimOptions, type RunningSim } from '..';

/** Every fault knob as a client sees it, through the llama.cpp face, over real HTTP. */

const MODEL = 'tiny-llama';
const running: RunningSim[] = [];

async function sim(options: Partial<EngineSimOptions> = {}): Promise<RunningSim> {
  const started = await startEngineSim({
    engine: 'llamacpp',
    port: 0,
    model: MODEL,
    decodeMs: 2,
    ...options,
  });
  running.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

function post(s: RunningSim, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(`${s.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
}

const chat = (i: number, extra: Record<string, unknown> = {}) => ({
  model: MODEL,
  messages: [{ role: 'user', content: `question ${i}` }],
  max_tokens: 3,
  ...extra,
});

/** Reads a body to its end or until the connection drops; says which happened. */
async function readAll(res: Response): Promise<{ text: string; cut: boolean }> {
  const reader: ReadableStreamDefaultReader<Uint8Array> = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  try {
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      text += decoder.decode(chunk.value, { stream: true });
    }
    return { text, cut: false };
  } catch {
    return { text, cut: true };
  }
}

const dataRecords = (text: string): string[] =>
  text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice(6));

/** Opens an endless stream and waits for its first record, so it holds a slot. */
async function holdSlot(s: RunningSim): Promise<AbortController> {
  const controller = new AbortController();
  const body = chat(0, { max_tokens: 2000, ignore_eos: true, stream: true });
  const res = await post(s, '/v1/chat/completions', body, controller.signal);
  await res.body!.getReader().read();
  return controller;
}

async function setFaults(s: RunningSim, patch: unknown): Promise<Response> {
  return post(s, '/__sim/faults', patch);
}

describe('failRate', () => {
  it('fails the same half of requests on every run, before any output, as llama.cpp errors', async () => {
    const statuses = async (s: RunningSim): Promise<number[]> => {
      const result: number[] = [];
      for (let i = 0; i < 24; i++) {
        result.push((await post(s, '/v1/chat/completions', chat(i))).status);
      }
      return result;
    };
    const first = await statuses(await sim({ failRate: 0.5 }));
    const second = await statuses(await sim({ failRate: 0.5 }));
    expect(second).toEqual(first);
    const failures = first.filter((status) => status === 500).length;
    expect(failures).toBeGreaterThanOrEqual(6);
    expect(failures).toBeLessThanOrEqual(18);
    expect(first.filter((status) => status !== 500).every((status) => status === 200)).toBe(true);
  });

  it('answers a streamed request with a plain 500 server_error or 503 unavailable_error', async () => {
    const always500 = await sim({ failRate: 1 });
    const res = await post(always500, '/v1/chat/completions', chat(1, { stream: true }));
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({
      error: { code: 500, message: expect.any(String), type: 'server_error' },
    });

    const always503 = await sim({ failRate: 1, failStatus: 503 });
    const unavailable = await post(always503, '/v1/chat/completions', chat(1));
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({
      error: { code: 503, type: 'unavailable_error' },
    });
  });
});

describe('overloadWhenFull', () => {
  it('answers 503 at once while every slot is busy instead of queueing', async () => {
    const s = await sim({ slots: 1, overloadWhenFull: true });
    const holder = await holdSlot(s);
    const started = Date.now();
    const refused = await post(s, '/v1/chat/completions', chat(1));
    expect(Date.now() - started).toBeLessThan(500);
    expect(refused.status).toBe(503);
    expect(await refused.text()).toBe(
      '{"error":{"code":503,"message":"no slot available","type":"unavailable_error"}}',
    );

    holder.abort();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(s, '/v1/chat/completions', chat(2))).status).toBe(200);
  });
});

describe('stallMs', () => {
  it('delays the first token by the stall, which prompt timings leave out', async () => {
    const s = await sim({ stallMs: 300 });
    const started = Date.now();
    const res = await post(s, '/v1/chat/completions', chat(1, { stream: true }));
    await res.body!.getReader().read();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const body = (await (await post(s, '/v1/chat/completions', chat(2))).json()) as {
      timings: { prompt_ms: number };
    };
    expect(body.timings.prompt_ms).toBeLessThan(200);
  });
});

describe('dieAfterTokens', () => {
  it('cuts a /completion stream after K token records, with no final record', async () => {
    const s = await sim({ dieAfterTokens: 3 });
    const res = await post(s, '/completion', { prompt: 'Once', n_predict: 20, stream: true });
    expect(res.status).toBe(200);
    const { text, cut } = await readAll(res);
    expect(cut).toBe(true);
    const records = dataRecords(text).map((r) => JSON.parse(r) as { stop: boolean });
    expect(records).toHaveLength(3);
    expect(records.every((r) => !r.stop)).toBe(true);
  });

  it('cuts a chat stream without a finish chunk or [DONE], and frees the slot', async () => {
    const s = await sim({ dieAfterTokens: 4 });
    const res = await post(s, '/v1/chat/completions', chat(1, { max_tokens: 30, stream: true }));
    const { text, cut } = await readAll(res);
    expect(cut).toBe(true);
    const records = dataRecords(text);
    expect(records).not.toContain('[DONE]');
    expect(records.some((r) => r.includes('"finish_reason":"'))).toBe(false);
    const slots = (await (await fetch(`${s.url}/slots`)).json()) as { is_processing: boolean }[];
    expect(slots.every((slot) => !slot.is_processing)).toBe(true);
  });

  it('drops a non-streamed request without any response', async () => {
    const s = await sim({ dieAfterTokens: 2 });
    await expect(post(s, '/v1/chat/completions', chat(1, { max_tokens: 30 }))).rejects.toThrow();
  });
});

describe('crashAfterMs', () => {
  it('cuts streams in flight, then refuses connections', async () => {
    const s = await sim({ crashAfterMs: 300, logLevel: 'silent' });
    const body = chat(1, { max_tokens: 2000, ignore_eos: true, stream: true });
    const res = await post(s, '/v1/chat/completions', body);
    const reading = readAll(res);
    await s.crashed;
    const { text, cut } = await reading;
    expect(cut).toBe(true);
    expect(dataRecords(text).length).toBeGreaterThan(0);
    const refused = await fetch(`${s.url}/health`).catch((error: unknown) => error);
    expect(refused).toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });
});

describe('POST /__sim/faults', () => {
  it('flips a running engine to failing and back, without a restart', async () => {
    const s = await sim();
    expect((await post(s, '/v1/chat/completions', chat(1))).status).toBe(200);

    const set = await setFaults(s, { failRate: 1, failStatus: 503 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ failRate: 1, failStatus: 503 });
    expect(await (await fetch(`${s.url}/__sim/faults`)).json()).toMatchObject({ failRate: 1 });
    expect((await post(s, '/v1/chat/completions', chat(2))).status).toBe(503);

    await setFaults(s, { failRate: 0 });
    expect((await post(s, '/v1/chat/completions', chat(3))).status).toBe(200);
  });

  it('rejects unknown knobs and bad values, listing each, and changes nothing', async () => {
    const s = await sim();
    const bad = await setFaults(s, { failRate: 2, explode: true });
    expect(bad.status).toBe(400);
    const { error } = (await bad.json()) as { error: string };
    expect(error).toMatch(/explode/);
    expect(error).toMatch(/failRate/);
    expect(await (await fetch(`${s.url}/__sim/faults`)).json()).toMatchObject({ failRate: 0 });
  });

  it('answers while the engine loads, and can start a loading phase or a crash', async () => {
    const s = await sim({ loadingMs: 60_000, logLevel: 'silent' });
    expect((await fetch(`${s.url}/health`)).status).toBe(503);
    expect((await fetch(`${s.url}/__sim/faults`)).status).toBe(200);

    await setFaults(s, { loadingMs: 0 });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    await setFaults(s, { crashAfterMs: 20 });
    await s.crashed;
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
  });

  it('reports the cost model under /__sim/state', async () => {
    const s = await sim({ slots: 2, kvCacheTokens: 1000 });
    await post(s, '/v1/chat/completions', chat(1));
    expect(await (await fetch(`${s.url}/__sim/state`)).json()).toMatchObject({
      engine: 'llamacpp',
      loading: false,
      slots: 2,
      busySlots: 0,
      kvCacheTokens: 1000,
      kvUsage: 0,
      prefixCache: { queries: 1 },
    });
  });
});
