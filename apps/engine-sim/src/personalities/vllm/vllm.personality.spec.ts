import type { RunningSim } from '../../core/sim-server';
import { MODEL, post, postJson, sseJson, startVllm, stopSims } from './vllm.spec-support';

/** The vLLM personality's request semantics as a client sees them, over real HTTP. */

interface Choice {
  index: number;
  text?: string;
  delta?: { content?: string; reasoning?: string };
  message: { content: string | null; reasoning: string | null };
  logprobs?: { content: { top_logprobs: unknown[] }[] } | null;
  finish_reason?: string | null;
  stop_reason?: string | null;
}
interface Usage {
  prompt_tokens: number;
  total_tokens: number;
  completion_tokens: number;
}
/** A response body or a stream chunk, as far as these tests read it. */
interface Reply {
  choices: Choice[];
  usage?: Usage;
}
interface ErrorReply {
  error: { message: string; type: string; param: string | null; code: number };
}
interface Seen {
  text: string;
  reasoning: string;
  finish?: string;
  stop?: string | null;
}
type Body = Record<string, unknown>;

const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'Tell me about rivers.' }] };
const COMPLETION = { model: MODEL, prompt: 'Once upon a time' };

async function stream(sim: RunningSim, route: string, body: Body): Promise<Reply[]> {
  const res = await post(sim, route, { ...body, stream: true });
  expect(res.status).toBe(200);
  return sseJson(await res.text()) as unknown as Reply[];
}

const ask = async (sim: RunningSim, route: string, body: Body): Promise<Reply> =>
  (await postJson(sim, route, body)) as Reply;

const errorOf = async (res: Response): Promise<ErrorReply['error']> =>
  ((await res.json()) as ErrorReply).error;

/** Per choice index: streamed text, reasoning, finish and stop reason. */
function collect(records: readonly Reply[]): Map<number, Seen> {
  const choices = new Map<number, Seen>();
  for (const record of records) {
    for (const c of record.choices) {
      const seen = choices.get(c.index) ?? { text: '', reasoning: '' };
      seen.text += c.text ?? c.delta?.content ?? '';
      seen.reasoning += c.delta?.reasoning ?? '';
      if (c.finish_reason) Object.assign(seen, { finish: c.finish_reason, stop: c.stop_reason });
      choices.set(c.index, seen);
    }
  }
  return choices;
}

let sim: RunningSim;
beforeAll(async () => {
  sim = await startVllm();
});
afterAll(stopSims);

const CHAT_ROUTE = '/v1/chat/completions';
const COMPLETIONS_ROUTE = '/v1/completions';

describe('stream and non-stream agree', () => {
  it.each([
    ['chat', CHAT_ROUTE, { ...CHAT, max_tokens: 30, n: 2, stop: ['.'] }, 2],
    ['completions', COMPLETIONS_ROUTE, { ...COMPLETION, max_tokens: 30, n: 2, stop: [','] }, 2],
    ['chat to EOS', CHAT_ROUTE, { ...CHAT, seed: 3 }, 1],
  ])('%s: same text, finish and stop reason per choice', async (_name, route, body, n) => {
    const streamed = collect(await stream(sim, route, body));
    const whole = await ask(sim, route, body);
    for (const choice of whole.choices) {
      expect(streamed.get(choice.index)).toEqual({
        text: choice.text ?? choice.message.content,
        reasoning: '',
        finish: choice.finish_reason,
        stop: choice.stop_reason,
      });
    }
    expect([streamed.size, whole.choices.length]).toEqual([n, n]);
  });
});

describe('usage', () => {
  it('sends no usage without stream_options, and no usage key before the usage chunk', async () => {
    const records = await stream(sim, CHAT_ROUTE, { ...CHAT, max_tokens: 5 });
    expect(records.some((r) => 'usage' in r)).toBe(false);
  });

  it('includes usage once stream_options is present, unless include_usage is false', async () => {
    const on = await stream(sim, CHAT_ROUTE, { ...CHAT, stream_options: {} });
    expect(on.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number) } });
    const off = await stream(sim, CHAT_ROUTE, {
      ...CHAT,
      stream_options: { include_usage: false },
    });
    expect(off.some((r) => 'usage' in r)).toBe(false);
  });

  it('counts the same tokens streamed and not, every choice included', async () => {
    const body = { ...COMPLETION, prompt: ['a b c', 'd'], n: 2, max_tokens: 7 };
    const records = await stream(sim, COMPLETIONS_ROUTE, {
      ...body,
      stream_options: { include_usage: true },
    });
    const whole = await ask(sim, COMPLETIONS_ROUTE, body);
    expect({ ...records.at(-1)?.usage, prompt_tokens_details: null }).toEqual(whole.usage);
    // Two prompts (BOS + 3 and BOS + 1 tokens), each counted once; 4 choices of 7 tokens.
    expect(whole.usage).toMatchObject({ prompt_tokens: 6, completion_tokens: 28 });
    expect(whole.choices).toHaveLength(4);
  });

  it('puts cumulative usage on every chunk with continuous_usage_stats', async () => {
    const records = await stream(sim, CHAT_ROUTE, {
      ...CHAT,
      max_tokens: 6,
      stream_options: { include_usage: true, continuous_usage_stats: true },
    });
    const counts = records.map((r) => r.usage?.completion_tokens);
    expect(counts[0]).toBe(0);
    expect(counts.at(-1)).toBe(6);
    expect(counts.every((c, i) => c !== undefined && c >= (counts[i - 1] ?? 0))).toBe(true);
  });

  it('refuses stream_options without stream', async () => {
    const res = await post(sim, CHAT_ROUTE, { ...CHAT, stream_options: {} });
    expect(res.status).toBe(400);
  });
});

describe('sampling fields', () => {
  it('cuts at a stop string, names it in stop_reason, keeps it only when asked', async () => {
    const long = { ...COMPLETION, max_tokens: 60 };
    const text = (await ask(sim, COMPLETIONS_ROUTE, long)).choices[0]?.text ?? '';
    const stop = ` ${text.split(' ')[3] ?? ''}`;
    const [cut] = (await ask(sim, COMPLETIONS_ROUTE, { ...long, stop })).choices;
    expect(cut).toMatchObject({
      text: text.slice(0, text.indexOf(stop)),
      finish_reason: 'stop',
      stop_reason: stop,
    });
    const kept = await ask(sim, COMPLETIONS_ROUTE, {
      ...long,
      stop,
      include_stop_str_in_output: true,
    });
    expect(kept.choices[0]?.text).toBe(`${cut?.text ?? ''}${stop}`);
  });

  it('reports chat logprobs with top_logprobs alternatives, and needs logprobs for them', async () => {
    const body = { ...CHAT, max_tokens: 4, logprobs: true, top_logprobs: 3 };
    const records = await stream(sim, CHAT_ROUTE, body);
    const entries = records.flatMap((r) => r.choices[0]?.logprobs?.content ?? []);
    expect(entries.map((e) => e.top_logprobs.length)).toEqual([3, 3, 3, 3]);
    expect((await post(sim, CHAT_ROUTE, { ...CHAT, top_logprobs: 3 })).status).toBe(400);
  });

  it('is deterministic per seed and prefers max_completion_tokens over max_tokens', async () => {
    const chat = (extra: Body): Promise<Reply> => ask(sim, CHAT_ROUTE, { ...CHAT, ...extra });
    const a = await chat({ seed: 1, max_tokens: 50, max_completion_tokens: 5 });
    const b = await chat({ seed: 1, max_tokens: 5 });
    const c = await chat({ seed: 2, max_tokens: 5 });
    expect(a.usage?.completion_tokens).toBe(5);
    expect(a.choices[0]?.message.content).toBe(b.choices[0]?.message.content);
    expect(c.choices[0]?.message.content).not.toBe(b.choices[0]?.message.content);
  });

  it('caps completions at 16 tokens by default; takes ignore_eos, extras and unknown fields', async () => {
    const plain = await ask(sim, COMPLETIONS_ROUTE, COMPLETION);
    expect(plain.usage?.completion_tokens).toBeLessThanOrEqual(16);
    const extras = { top_k: 5, min_p: 0.1, repetition_penalty: 1.1, not_a_vllm_field: { a: 1 } };
    const long = await ask(sim, COMPLETIONS_ROUTE, {
      ...COMPLETION,
      ...extras,
      ignore_eos: true,
      max_tokens: 90,
    });
    expect(long.usage?.completion_tokens).toBe(90);
  });
});

describe('reasoning', () => {
  it('reports thoughts under `reasoning` when the model thinks, and none when told not to', async () => {
    const thinker = await startVllm({ reasoning: true });
    const streamed = collect(await stream(thinker, CHAT_ROUTE, CHAT)).get(0);
    const [whole] = (await ask(thinker, CHAT_ROUTE, CHAT)).choices;
    expect(streamed?.reasoning).not.toBe('');
    expect(whole?.message).toMatchObject({
      reasoning: streamed?.reasoning,
      content: streamed?.text,
    });
    const quiet = await ask(thinker, CHAT_ROUTE, {
      ...CHAT,
      chat_template_kwargs: { enable_thinking: false },
    });
    expect(quiet.choices[0]?.message.reasoning).toBeNull();
  });

  it('thinks on request, and hides the thoughts (still counted) with include_reasoning false', async () => {
    const asked = { ...CHAT, chat_template_kwargs: { enable_thinking: true } };
    const shown = await ask(sim, CHAT_ROUTE, asked);
    const hidden = await ask(sim, CHAT_ROUTE, { ...asked, include_reasoning: false });
    expect(shown.choices[0]?.message.reasoning).toEqual(expect.any(String));
    expect(hidden.choices[0]?.message.reasoning).toBeNull();
    expect(hidden.usage).toEqual(shown.usage);
  });
});

describe('errors', () => {
  it.each([
    ['n below 1', { ...CHAT, n: 0 }, 'n must be at least 1, got 0.'],
    ['a negative temperature', { ...CHAT, temperature: -1 }, 'temperature must be non-negative'],
    ['a mistyped field', { ...CHAT, max_tokens: 'many' }, 'max_tokens: Input should be a valid'],
    ['a body that is not JSON', '{"messages": [', 'JSON decode error'],
    ['no messages', { model: MODEL }, "'messages' is required"],
    ['max_tokens beyond the context', { ...CHAT, max_tokens: 5000 }, 'However, you requested'],
  ])('answers 400 BadRequestError to %s', async (_case, body, message) => {
    const res = await post(sim, CHAT_ROUTE, body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ type: 'BadRequestError', param: null, code: 400 });
    expect(error.message).toContain(message);
  });
});

describe('info routes', () => {
  it('answers /version, and /ping as /health', async () => {
    expect(await (await fetch(`${sim.url}/version`)).json()).toEqual({
      version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
    });
    for (const method of ['GET', 'POST']) {
      const res = await fetch(`${sim.url}/ping`, { method });
      expect([res.status, await res.text()]).toEqual([200, '']);
    }
  });
});
