import { renderChatPrompt } from '../../core/chat-template';
import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';

/** Behaviour a client sees from the llama.cpp personality, over real HTTP. */

const MODEL = 'tiny-llama';
const MESSAGES = [
  { role: 'system', content: 'You are terse.' },
  { role: 'user', content: 'Why is the sky blue?' },
];
const CHAT_PROMPT = renderChatPrompt(MESSAGES);

interface ChatChunk {
  choices: { index: number; delta: { content?: string | null }; finish_reason: string | null }[];
  usage?: { completion_tokens: number; prompt_tokens: number };
  timings?: unknown;
}
interface ChatBody {
  choices: { index: number; message: { content: string }; finish_reason: string }[];
  usage: { completion_tokens: number; prompt_tokens: number };
}
interface NativeRecord {
  content: string;
  stop: boolean;
  stop_type?: string;
  stopping_word?: string;
}

let sim: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'llamacpp', port: 0, model: MODEL, decodeMs: 1 });
});
afterAll(() => sim.close());

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** SSE `data` payloads in order, `[DONE]` included. */
async function frames(res: Response): Promise<string[]> {
  expect(res.status).toBe(200);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((frame) => frame.replace(/^data: /, ''));
}

const parsed = <T>(payloads: string[]): T[] =>
  payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p) as T);

const deltaText = (chunks: ChatChunk[], index = 0): string =>
  chunks
    .flatMap((c) =>
      c.choices.filter((ch) => ch.index === index).map((ch) => ch.delta.content ?? ''),
    )
    .join('');

const expected = (prompt: string, seed: number | undefined, maxTokens: number) =>
  generateTokens({ model: MODEL, prompt, seed, maxTokens });

describe('llama.cpp personality', () => {
  it('answers a request with the same text every time, streamed or not, as generateTokens says', async () => {
    const body = { model: MODEL, messages: MESSAGES, seed: 11, max_tokens: 40 };
    const first = (await (await post('/v1/chat/completions', body)).json()) as ChatBody;
    const second = (await (await post('/v1/chat/completions', body)).json()) as ChatBody;
    const streamed = parsed<ChatChunk>(
      await frames(await post('/v1/chat/completions', { ...body, stream: true })),
    );
    const want = expected(CHAT_PROMPT, 11, 40);

    expect(first.choices[0]!.message.content).toBe(want.tokens.join(''));
    expect(second.choices[0]!.message.content).toBe(first.choices[0]!.message.content);
    expect(deltaText(streamed)).toBe(want.tokens.join(''));
    expect(first.choices[0]!.finish_reason).toBe(want.finish === 'eos' ? 'stop' : 'length');
  });

  it('uses seed + i for choice i and interleaves choices in a stream', async () => {
    const body = { model: MODEL, messages: MESSAGES, seed: 5, n: 2, max_tokens: 30, stream: true };
    const chunks = parsed<ChatChunk>(await frames(await post('/v1/chat/completions', body)));
    expect(deltaText(chunks, 0)).toBe(expected(CHAT_PROMPT, 5, 30).tokens.join(''));
    expect(deltaText(chunks, 1)).toBe(expected(CHAT_PROMPT, 6, 30).tokens.join(''));
    const order = chunks.flatMap((c) => c.choices.map((ch) => ch.index));
    expect(order.indexOf(1)).toBeLessThan(order.lastIndexOf(0));
  });

  it('concatenates text parts and ignores image parts', async () => {
    const content = [
      { type: 'text', text: 'Why is the sky' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
      { type: 'text', text: ' blue?' },
    ];
    const messages = [MESSAGES[0], { role: 'user', content }];
    const res = (await (
      await post('/v1/chat/completions', { messages, seed: 3 })
    ).json()) as ChatBody;
    expect(res.choices[0]!.message.content).toBe(expected(CHAT_PROMPT, 3, -1).tokens.join(''));
  });

  it('sends the usage chunk only when stream_options.include_usage is true', async () => {
    const base = { model: MODEL, messages: MESSAGES, seed: 2, max_tokens: 8, stream: true };
    const without = await frames(await post('/v1/chat/completions', base));
    expect(without.at(-1)).toBe('[DONE]');
    const plain = parsed<ChatChunk>(without);
    expect(plain.some((c) => c.choices.length === 0 || c.usage !== undefined)).toBe(false);
    expect(plain.at(-1)!.choices[0]!.finish_reason).toBe('length');
    expect(plain.at(-1)!.timings).toBeDefined();

    const withUsage = await frames(
      await post('/v1/chat/completions', { ...base, stream_options: { include_usage: true } }),
    );
    const chunks = parsed<ChatChunk>(withUsage);
    const usageChunks = chunks.filter((c) => c.usage !== undefined);
    expect(usageChunks).toHaveLength(1);
    expect(chunks.at(-1)).toBe(usageChunks[0]);
    expect(usageChunks[0]!.choices).toEqual([]);
    expect(usageChunks[0]!.usage!.completion_tokens).toBe(8);
    expect(usageChunks[0]!.timings).toBeDefined();
  });

  it('streams native /completion records without [DONE], ending with stop:true', async () => {
    const prompt = 'Once upon a time';
    const payloads = await frames(
      await post('/completion', { prompt, seed: 9, n_predict: 20, stream: true }),
    );
    expect(payloads).not.toContain('[DONE]');
    const records = parsed<NativeRecord>(payloads);
    expect(records.slice(0, -1).every((r) => !r.stop)).toBe(true);
    expect(records.at(-1)).toMatchObject({ stop: true });
    expect(records.map((r) => r.content).join('')).toBe(expected(prompt, 9, 20).tokens.join(''));
  });

  it('serves /v1/completions with the same text as generateTokens', async () => {
    const prompt = 'The river';
    const body = (await (
      await post('/v1/completions', { prompt, seed: 4, max_tokens: 15 })
    ).json()) as {
      object: string;
      choices: { text: string }[];
    };
    expect(body.object).toBe('text_completion');
    expect(body.choices[0]!.text).toBe(expected(prompt, 4, 15).tokens.join(''));
  });

  it('never leaks a stop string that spans two tokens', async () => {
    const want = expected(CHAT_PROMPT, 21, 60);
    const text = want.tokens.join('');
    const { stop, cut } = spanningStop(want.tokens);
    const body = { model: MODEL, messages: MESSAGES, seed: 21, max_tokens: 60, stop: [stop] };

    const chunks = parsed<ChatChunk>(
      await frames(await post('/v1/chat/completions', { ...body, stream: true })),
    );
    expect(deltaText(chunks)).toBe(text.slice(0, cut));
    expect(chunks.some((c) => c.choices.some((ch) => ch.finish_reason === 'stop'))).toBe(true);

    const whole = (await (
      await post('/v1/chat/completions', { ...body, stop })
    ).json()) as ChatBody;
    expect(whole.choices[0]).toMatchObject({
      finish_reason: 'stop',
      message: { content: text.slice(0, cut) },
    });

    const native = (await (
      await post('/completion', { prompt: CHAT_PROMPT, seed: 21, n_predict: 60, stop: [stop] })
    ).json()) as NativeRecord;
    expect(native).toMatchObject({
      content: text.slice(0, cut),
      stop_type: 'word',
      stopping_word: stop,
    });
  });

  it('rejects top_logprobs without logprobs and prompts beyond the context', async () => {
    const bad = await post('/v1/chat/completions', { messages: MESSAGES, top_logprobs: 2 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 400,
        message: 'top_logprobs requires logprobs to be set to true',
        type: 'invalid_request_error',
      },
    });

    const long = await post('/completion', { prompt: ' word'.repeat(5000) });
    expect(long.status).toBe(400);
    expect(await long.json()).toMatchObject({
      error: { code: 400, type: 'exceed_context_size_error', n_prompt_tokens: 5001, n_ctx: 4096 },
    });
  });
});

describe('llama.cpp personality while loading', () => {
  it('answers 503 "Loading model" until loadingMs has passed, then 200', async () => {
    const loading = await startEngineSim({
      engine: 'llamacpp',
      port: 0,
      model: MODEL,
      loadingMs: 1000,
    });
    try {
      const early = await fetch(`${loading.url}/health`);
      expect(early.status).toBe(503);
      expect(await early.text()).toBe(
        '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
      );
      expect((await fetch(`${loading.url}/v1/models`)).status).toBe(200);

      let status = early.status;
      const deadline = Date.now() + 5000;
      while (status !== 200 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        status = (await fetch(`${loading.url}/health`)).status;
      }
      expect(status).toBe(200);
    } finally {
      await loading.close();
    }
  });
});

/** A stop string made of the end of one token and the start of the next, first seen there. */
function spanningStop(tokens: readonly string[]): { stop: string; cut: number } {
  const text = tokens.join('');
  let boundary = 0;
  for (let i = 0; i + 1 < tokens.length; i++) {
    const [left, right] = [tokens[i]!, tokens[i + 1]!];
    boundary += left.length;
    if (i < 2 || left.length < 3 || right.length < 3) continue;
    const stop = left.slice(-2) + right.slice(0, 2);
    if (text.indexOf(stop) === boundary - 2) return { stop, cut: boundary - 2 };
  }
  throw new Error('no token pair suits a spanning stop string');
}

describe('llama.cpp personality, as the real build of August 2026 behaves', () => {
  it('has no /api/chat route', async () => {
    expect((await post('/api/chat', { messages: [{ role: 'user', content: 'hi' }] })).status).toBe(
      404,
    );
  });

  it('counts generated tokens in n_prompt_tokens while n_decoded moves', async () => {
    const controller = new AbortController();
    const running = fetch(`${sim.url}/v1/chat/completions`, {
      method: 'POST',
      signal: controller.signal,
      body: JSON.stringify({
        messages: [{ role: 'user', content: 'hi' }],
        max_tokens: 3000,
        ignore_eos: true,
        stream: true,
      }),
    }).then(
      async (r) => {
        try {
          for await (const chunk of r.body ?? []) void chunk;
        } catch {
          // aborted below
        }
      },
      () => undefined,
    );
    type Slot = {
      is_processing: boolean;
      n_prompt_tokens?: number;
      n_prompt_tokens_cache?: number;
      n_prompt_tokens_processed?: number;
      next_token?: { n_decoded: number }[];
    };
    const busy = async (): Promise<Slot | undefined> =>
      ((await (await fetch(`${sim.url}/slots`)).json()) as Slot[]).find((s) => s.is_processing);
    try {
      let seen: Slot | undefined;
      for (let i = 0; i < 200 && !((seen?.next_token?.[0]?.n_decoded ?? 0) > 5); i++) {
        seen = await busy();
        await new Promise((r) => setTimeout(r, 5));
      }
      const decoded = seen!.next_token![0]!.n_decoded;
      const prompt = seen!.n_prompt_tokens_cache! + seen!.n_prompt_tokens_processed!;
      expect(seen!.n_prompt_tokens).toBe(prompt + decoded - 1);
    } finally {
      controller.abort();
      await running;
    }
  });

  it('fails a stream after content with an in-band error and no [DONE] (errorAfterTokens)', async () => {
    const s = await startEngineSim({
      engine: 'llamacpp',
      port: 0,
      model: MODEL,
      decodeMs: 1,
      errorAfterTokens: 3,
    });
    try {
      const res = await fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 20,
          ignore_eos: true,
          stream: true,
        }),
      });
      const payloads = await frames(res);
      expect(payloads).not.toContain('[DONE]');
      const last = JSON.parse(payloads.at(-1)!) as { error?: { code: number; type: string } };
      expect(last.error).toMatchObject({ code: 500, type: 'server_error' });
      const content = parsed<ChatChunk>(payloads.slice(0, -1));
      expect(deltaText(content).length).toBeGreaterThan(0);
    } finally {
      await s.close();
    }
  });
});
