import { renderChatPrompt } from '../../core/chat-template';
import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';

/** A reasoning model behind the llama.cpp face (`--reasoning-format deepseek`). */

const MODEL = 'tiny-thinker';
const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];
const PROMPT = renderChatPrompt(MESSAGES);

interface ChatBody {
  choices: {
    message: { role: string; content: string | null; reasoning_content?: string };
    finish_reason: string;
  }[];
}
interface ChatChunk {
  choices: {
    delta: { content?: string | null; reasoning_content?: string };
    finish_reason: string | null;
  }[];
}

let sim: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({
    engine: 'llamacpp',
    port: 0,
    model: MODEL,
    decodeMs: 1,
    reasoning: true,
  });
});
afterAll(() => sim.close());

async function post(path: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${sim.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
}

async function streamed<T>(path: string, body: Record<string, unknown>): Promise<T[]> {
  const text = await (await post(path, { ...body, stream: true })).text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: {'))
    .map((frame) => JSON.parse(frame.slice(6)) as T);
}

const answer = (prompt: string, seed: number): string =>
  generateTokens({ model: MODEL, prompt, seed }).tokens.join('');

describe('llama.cpp reasoning', () => {
  it('thinks first into reasoning_content, then answers exactly as a plain model would', async () => {
    const body = { messages: MESSAGES, seed: 3 };
    const whole = (await (await post('/v1/chat/completions', body)).json()) as ChatBody;
    const message = whole.choices[0]!.message;
    expect(Object.keys(message)).toEqual(['role', 'reasoning_content', 'content']);
    expect(message.reasoning_content!.length).toBeGreaterThan(10);
    expect(message.reasoning_content).not.toMatch(/think>/);
    expect(message.content).toBe(answer(PROMPT, 3));
    expect(whole.choices[0]!.finish_reason).toBe('stop');

    const chunks = await streamed<ChatChunk>('/v1/chat/completions', body);
    const deltas = chunks.map((c) => c.choices[0]?.delta ?? {});
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe(message.reasoning_content);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(message.content);
    const firstContent = deltas.findIndex((d) => typeof d.content === 'string');
    const lastReasoning = deltas.map((d) => d.reasoning_content !== undefined).lastIndexOf(true);
    expect(lastReasoning).toBeLessThan(firstContent);
  });

  it('keeps thoughts inline with reasoning_format none, and drops them when thinking is off', async () => {
    const inline = (await (
      await post('/v1/chat/completions', { messages: MESSAGES, seed: 3, reasoning_format: 'none' })
    ).json()) as ChatBody;
    const text = inline.choices[0]!.message.content!;
    expect(inline.choices[0]!.message.reasoning_content).toBeUndefined();
    expect(text).toMatch(/^<think>[^<]+<\/think>/);
    expect(text.endsWith(answer(PROMPT, 3))).toBe(true);

    const off = (await (
      await post('/v1/chat/completions', {
        messages: MESSAGES,
        seed: 3,
        chat_template_kwargs: { enable_thinking: false },
      })
    ).json()) as ChatBody;
    expect(off.choices[0]!.message).toEqual({ role: 'assistant', content: answer(PROMPT, 3) });
  });

  it('shows <think>…</think> in the text of /completion and /v1/completions, streamed or not', async () => {
    const prompt = 'The river';
    const native = (await (await post('/completion', { prompt, seed: 5 })).json()) as {
      content: string;
    };
    expect(native.content).toMatch(/^<think>[^<]+<\/think>/);
    expect(native.content.endsWith(answer(prompt, 5))).toBe(true);
    const records = await streamed<{ content: string }>('/completion', { prompt, seed: 5 });
    expect(records.map((r) => r.content).join('')).toBe(native.content);

    const oai = (await (await post('/v1/completions', { prompt, seed: 5 })).json()) as {
      choices: { text: string }[];
    };
    expect(oai.choices[0]!.text).toBe(native.content);
  });

  it('counts thoughts against max_tokens: a short budget ends inside the reasoning', async () => {
    const body = { messages: MESSAGES, seed: 3, max_tokens: 4 };
    const whole = (await (await post('/v1/chat/completions', body)).json()) as ChatBody & {
      usage: { completion_tokens: number };
    };
    expect(whole.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: '' } });
    expect(whole.choices[0]!.message.reasoning_content!.length).toBeGreaterThan(0);
    expect(whole.usage.completion_tokens).toBe(4);
  });
});
