import { renderChatPrompt } from './chat-template';
import { startEngineSim, type EngineSimOptions, type RunningSim } from '..';
import { generateTokens } from './text-generator';

/** The cost model as a client and a metrics scraper see it, through the llama.cpp face. */

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

const messages = (text: string) => [{ role: 'user', content: text }];

function chat(
  s: RunningSim,
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, ...body }),
    signal,
  });
}

/** A generation that runs until cancelled (or 2000 tokens). */
const endless = (text: string) => ({
  messages: messages(text),
  ignore_eos: true,
  max_tokens: 2000,
});

async function gauges(s: RunningSim): Promise<Record<string, number>> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const values = text
    .split('\n')
    .filter((line) => line.startsWith('llamacpp:'))
    .map((line) => line.slice('llamacpp:'.length).split(' '));
  return Object.fromEntries(values.map(([name = '', value = '']) => [name, Number(value)]));
}

interface SlotJson {
  is_processing: boolean;
  next_token?: { n_decoded: number }[];
}
const slots = async (s: RunningSim): Promise<SlotJson[]> =>
  (await (await fetch(`${s.url}/slots`)).json()) as SlotJson[];

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now() - started;
}

/** Opens a stream and waits for its first record, so the request holds a slot. */
async function openStream(s: RunningSim, text: string): Promise<AbortController> {
  const controller = new AbortController();
  const res = await chat(s, { ...endless(text), stream: true }, controller.signal);
  const reader = res.body!.getReader();
  await reader.read();
  return controller;
}

describe('slot pool', () => {
  it('runs at most `slots` sequences, queues the rest FIFO, and finishes them all', async () => {
    const s = await sim({ slots: 2, decodeMs: 5 });
    const requests = [1, 2, 3, 4].map((i) =>
      chat(s, { messages: messages(`request ${i}`), ignore_eos: true, max_tokens: 30 }),
    );
    let sawFullQueue = false;
    await waitUntil(async () => {
      const g = await gauges(s);
      sawFullQueue ||= g.requests_processing === 2 && g.requests_deferred === 2;
      return sawFullQueue;
    }, 2000);
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as {
      usage: { completion_tokens: number };
    }[];
    expect(bodies.every((b) => b.usage.completion_tokens === 30)).toBe(true);
    expect(await gauges(s)).toMatchObject({ requests_processing: 0, requests_deferred: 0 });
  });

  it('frees the slot within a second when a streaming client disconnects', async () => {
    const s = await sim({ slots: 2, decodeMs: 5 });
    const stream = await openStream(s, 'a long story');
    expect((await slots(s)).some((slot) => slot.is_processing)).toBe(true);

    stream.abort();
    const elapsed = await waitUntil(
      async () => (await slots(s)).every((slot) => !slot.is_processing),
      1000,
    );
    expect(elapsed).toBeLessThan(1000);
    const decoded = (await slots(s)).map((slot) => slot.next_token?.[0]?.n_decoded ?? 0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await slots(s)).map((slot) => slot.next_token?.[0]?.n_decoded ?? 0)).toEqual(decoded);
  });

  it('drops a waiting request from the queue when its client disconnects', async () => {
    const s = await sim({ slots: 1, decodeMs: 5 });
    const holder = await openStream(s, 'holding the only slot');
    const waiter = new AbortController();
    const waiting = chat(s, endless('waiting in line'), waiter.signal).catch(
      (error: unknown) => error,
    );
    await waitUntil(async () => (await gauges(s)).requests_deferred === 1, 1000);

    waiter.abort();
    await waitUntil(async () => (await gauges(s)).requests_deferred === 0, 1000);
    expect((await gauges(s)).requests_processing).toBe(1);
    expect(await waiting).toMatchObject({ name: 'AbortError' });

    holder.abort();
    await waitUntil(async () => (await slots(s)).every((slot) => !slot.is_processing), 1000);
  });

  it('reuses a cached prompt prefix on a repeated prompt', async () => {
    const s = await sim();
    const body = {
      messages: messages('cache me, please, I am a reasonably long prompt'),
      max_tokens: 4,
    };
    const first = (await (await chat(s, body)).json()) as CachedBody;
    const second = (await (await chat(s, body)).json()) as CachedBody;
    expect(first.usage.prompt_tokens_details.cached_tokens).toBeLessThan(
      first.usage.prompt_tokens - 1,
    );
    expect(second.usage.prompt_tokens_details.cached_tokens).toBe(second.usage.prompt_tokens - 1);
    expect(second.timings).toMatchObject({ prompt_n: 1, cache_n: second.usage.prompt_tokens - 1 });
  });

  it('takes promptTokens / prefillTokensPerSecond to prefill and decodeMs per token', async () => {
    const s = await sim({ decodeMs: 10, prefillTokensPerSecond: 1000 });
    const body = { messages: messages(' word'.repeat(200)), ignore_eos: true, max_tokens: 20 };
    const { timings } = (await (await chat(s, body)).json()) as CachedBody;
    expect(timings.prompt_n).toBeGreaterThan(200);
    expect(timings.prompt_ms).toBeGreaterThanOrEqual(timings.prompt_n * 0.95);
    expect(timings.predicted_n).toBe(20);
    // The first token comes out of the prefill; the other 19 each take one decode step.
    expect(timings.predicted_ms).toBeGreaterThanOrEqual(19 * 10 * 0.95);
  });

  it('slows every decode step down as more slots are busy', async () => {
    const s = await sim({ slots: 3, decodeMs: 10, batchSlowdown: 1 });
    const body = (i: number) => ({
      messages: messages(`batch ${i}`),
      ignore_eos: true,
      max_tokens: 20,
    });
    const results = (await Promise.all(
      [0, 1, 2].map(async (i) => (await chat(s, body(i))).json()),
    )) as CachedBody[];
    // Alone, 19 steps take 190 ms; with three busy slots each step takes up to three times that.
    expect(Math.max(...results.map((r) => r.timings.predicted_ms))).toBeGreaterThan(19 * 10 * 2);
  });

  it('serves a 64-way burst of streams with exact text', async () => {
    const s = await sim({ slots: 8, decodeMs: 1 });
    const texts = await Promise.all(
      Array.from({ length: 64 }, async (_, i) => {
        const res = await chat(s, {
          messages: messages(`burst ${i}`),
          seed: i,
          max_tokens: 16,
          stream: true,
        });
        const body = await res.text();
        return body
          .split('\n\n')
          .filter((f) => f.startsWith('data: {'))
          .map(
            (f) => JSON.parse(f.slice(6)) as { choices: { delta: { content?: string | null } }[] },
          )
          .map((c) => c.choices[0]?.delta.content ?? '')
          .join('');
      }),
    );
    texts.forEach((text, i) => {
      const prompt = renderChatPrompt(messages(`burst ${i}`));
      expect(text).toBe(
        generateTokens({ model: MODEL, prompt, seed: i, maxTokens: 16 }).tokens.join(''),
      );
    });
  }, 20000);
});

interface CachedBody {
  usage: { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };
  timings: {
    prompt_n: number;
    prompt_ms: number;
    cache_n: number;
    predicted_n: number;
    predicted_ms: number;
  };
}
