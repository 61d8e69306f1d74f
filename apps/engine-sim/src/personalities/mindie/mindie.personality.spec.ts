import { renderChatPrompt } from '../../core/chat-template';
import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';

/** What a client of MindIE's business plane sees, over real HTTP. */

const MODEL = 'qwen3-8b';
const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];

interface ChatChoice {
  index: number;
  delta: { content?: string; reasoning_content?: string; tool_calls?: ToolDelta[] };
  finish_reason: string | null;
}
interface ToolDelta {
  function: { name?: string; arguments?: string };
}
interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  completion_tokens_details?: { reasoning_tokens: number };
}
interface Chunk {
  choices: (ChatChoice & { text?: string })[];
  usage?: Usage;
}
interface ChatBody {
  choices: {
    message: { content: string; reasoning_content?: string; tool_calls: ToolDelta[] };
    finish_reason: string;
  }[];
  usage: Usage;
}

let sim: RunningSim;
let thinker: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL, decodeMs: 1 });
  thinker = await startEngineSim({
    engine: 'mindie',
    port: 0,
    model: MODEL,
    decodeMs: 1,
    reasoning: true,
  });
});
afterAll(async () => Promise.all([sim.close(), thinker.close()]));

const post = (path: string, body: unknown, base = sim.url): Promise<Response> =>
  fetch(`${base}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const json = async <T>(res: Response): Promise<T> => (await res.json()) as T;

async function chunks(res: Response): Promise<Chunk[]> {
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => JSON.parse(f.slice(6)) as Chunk);
}

const joined = (list: Chunk[], pick: (c: ChatChoice & { text?: string }) => string, index = 0) =>
  list.flatMap((c) => c.choices.filter((ch) => ch.index === index).map(pick)).join('');

describe('MindIE business plane', () => {
  it('streams the same chat text it answers whole, as generateTokens plans it', async () => {
    const body = { model: MODEL, messages: MESSAGES, seed: 5, max_tokens: 40 };
    const whole = await json<ChatBody>(await post('/v1/chat/completions', body));
    const streamed = await chunks(await post('/v1/chat/completions', { ...body, stream: true }));
    const want = generateTokens({
      model: MODEL,
      prompt: renderChatPrompt(MESSAGES),
      seed: 5,
      maxTokens: 40,
    });
    expect(whole.choices[0]!.message.content).toBe(want.tokens.join(''));
    expect(joined(streamed, (ch) => ch.delta.content ?? '')).toBe(
      whole.choices[0]!.message.content,
    );
    expect(streamed[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
  });

  it('streams the same completion text it answers whole', async () => {
    const body = { model: MODEL, prompt: 'Once upon a time', max_tokens: 12 };
    const whole = await json<{ choices: { text: string }[] }>(await post('/v1/completions', body));
    const streamed = await chunks(await post('/v1/completions', { ...body, stream: true }));
    expect(joined(streamed, (ch) => ch.text ?? '')).toBe(whole.choices[0]!.text);
  });

  it('puts each choice’s own usage on its finish chunk and nowhere else, whatever stream_options say', async () => {
    const body = { model: MODEL, messages: MESSAGES, n: 2, temperature: 0.8, max_tokens: 6 };
    const streamed = await chunks(
      await post('/v1/chat/completions', {
        ...body,
        stream: true,
        stream_options: { include_usage: false },
      }),
    );
    const finishes = streamed.filter((c) => c.choices[0]!.finish_reason !== null);
    expect(finishes.map((c) => c.choices[0]!.index).sort()).toEqual([0, 1]);
    for (const finish of finishes) expect(finish.usage?.completion_tokens).toBe(6);
    expect(streamed.filter((c) => c.usage !== undefined)).toHaveLength(2);
    expect(streamed.every((c) => c.choices.length === 1)).toBe(true);
    const whole = await json<ChatBody>(await post('/v1/chat/completions', body));
    expect(whole.usage.completion_tokens).toBe(12);
    expect(whole.choices.map((c) => c.finish_reason)).toEqual(['length', 'length']);
  });

  it('reports thoughts as reasoning_content, streamed or whole, and counts them', async () => {
    const body = { model: MODEL, messages: MESSAGES, max_tokens: 80 };
    const whole = await json<ChatBody>(await post('/v1/chat/completions', body, thinker.url));
    const streamed = await chunks(
      await post('/v1/chat/completions', { ...body, stream: true }, thinker.url),
    );
    const { message } = whole.choices[0]!;
    expect(message.reasoning_content).toBeTruthy();
    expect(joined(streamed, (ch) => ch.delta.reasoning_content ?? '')).toBe(
      message.reasoning_content,
    );
    expect(joined(streamed, (ch) => ch.delta.content ?? '')).toBe(message.content);
    expect(whole.usage.completion_tokens_details?.reasoning_tokens).toBeGreaterThan(0);
    const plain = await json<ChatBody>(
      await post(
        '/v1/chat/completions',
        { ...body, chat_template_kwargs: { enable_thinking: false } },
        thinker.url,
      ),
    );
    expect(plain.choices[0]!.message.reasoning_content).toBeUndefined();
  });

  it('calls an offered tool the request asks for, streamed in fragments', async () => {
    const tools = [
      {
        type: 'function',
        function: {
          name: 'get_weather',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
          },
        },
      },
    ];
    const body = { model: MODEL, messages: MESSAGES, tools, tool_choice: 'required' };
    const whole = await json<ChatBody>(await post('/v1/chat/completions', body));
    const [call] = whole.choices[0]!.message.tool_calls;
    expect(whole.choices[0]!.finish_reason).toBe('tool_calls');
    expect(call?.function.name).toBe('get_weather');
    const streamed = await chunks(await post('/v1/chat/completions', { ...body, stream: true }));
    const fragments = streamed.flatMap((c) => c.choices[0]!.delta.tool_calls ?? []);
    expect(fragments[0]?.function.name).toBe('get_weather');
    expect(fragments.map((f) => f.function.arguments ?? '').join('')).toBe(
      call?.function.arguments,
    );
    expect(streamed.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('ends at a stop string and leaves it out, streamed or whole', async () => {
    const probe = await json<ChatBody>(
      await post('/v1/chat/completions', { model: MODEL, messages: MESSAGES, max_tokens: 40 }),
    );
    const stop = probe.choices[0]!.message.content.split(' ').slice(2, 3).join(' ');
    const body = { model: MODEL, messages: MESSAGES, max_tokens: 40, stop: [` ${stop}`] };
    const whole = await json<ChatBody>(await post('/v1/chat/completions', body));
    const streamed = await chunks(await post('/v1/chat/completions', { ...body, stream: true }));
    expect(whole.choices[0]!.finish_reason).toBe('stop');
    expect(whole.choices[0]!.message.content).not.toContain(` ${stop}`);
    expect(joined(streamed, (ch) => ch.delta.content ?? '')).toBe(
      whole.choices[0]!.message.content,
    );
  });

  it('speaks TGI on /generate with inputs and on /generate_stream', async () => {
    const body = { inputs: 'Hello there', parameters: { max_new_tokens: 6, details: true } };
    const whole = await json<{ generated_text: string; details: { finish_reason: string } }>(
      await post('/generate', body),
    );
    expect(whole.details.finish_reason).toBe('length');
    const text = await (await post('/generate_stream', body)).text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map((f) => JSON.parse(f.replace(/^data: /, '')) as Record<string, unknown>);
    const tokens = events.map((e) => e.token as { text: string; logprob: null; special: null });
    expect(tokens.map((t) => t.text).join('')).toBe(whole.generated_text);
    expect(tokens.every((t) => t.logprob === null && t.special === null)).toBe(true);
    expect(events.every((e) => !('index' in e))).toBe(true);
    expect(events.at(-1)).toMatchObject({ generated_text: whole.generated_text });
    expect(events.at(-2)).toMatchObject({ generated_text: null, details: null });
  });

  it('speaks the vLLM demo on /generate with prompt: NUL-delimited deltas, prompt-prefixed whole', async () => {
    const body = { prompt: 'Hello there', max_tokens: 6 };
    const whole = await json<{ text: string[] }>(await post('/generate', body));
    const raw = await (await post('/generate', { ...body, stream: true })).text();
    expect(raw.endsWith('\0')).toBe(true);
    const messages = raw
      .split('\0')
      .filter(Boolean)
      .map((m) => JSON.parse(m) as { text: string[] });
    expect(`Hello there ${messages.map((m) => m.text[0]).join('')}`).toBe(whole.text[0]);
  });

  it('answers /infer whole and streamed with the same text, prefill time first', async () => {
    const body = { inputs: 'Hello there', parameters: { max_new_tokens: 6 } };
    const whole = await json<{ generated_text: string }>(await post('/infer', body));
    const text = await (await post('/infer', { ...body, stream: true })).text();
    const events = text
      .split('\n\n')
      .filter(Boolean)
      .map(
        (f) => JSON.parse(f.slice(6)) as { prefill_time: number | null; token: { text: string } },
      );
    expect(events.map((e) => e.token.text).join('')).toBe(whole.generated_text);
    expect(events[0]!.prefill_time).toEqual(expect.any(Number));
    expect(events.at(-1)).toMatchObject({
      prefill_time: null,
      generated_text: whole.generated_text,
    });
  });

  it.each([
    ['Model not found', { model: 'other', messages: MESSAGES }],
    ['Request param contains not messages or messages null', { model: MODEL }],
    ['Request param contains not role or role null', { model: MODEL, messages: [{}] }],
    ['Request body is empty', undefined],
  ])('rejects a bad chat in the flat error shape: %s', async (message, body) => {
    const res = await post('/v1/chat/completions', body ?? '');
    const type = body ? 'Input Validation Error' : 'Bad Request';
    expect(res.status).toBe(body ? 422 : 400);
    expect(await res.json()).toEqual({ error: message, error_type: type });
  });

  it('refuses with 503 when full and told not to queue', async () => {
    const busy = await startEngineSim({
      engine: 'mindie',
      port: 0,
      model: MODEL,
      slots: 1,
      decodeMs: 20,
      overloadWhenFull: true,
    });
    try {
      const long = post(
        '/v1/chat/completions',
        { model: MODEL, messages: MESSAGES, max_tokens: 50 },
        busy.url,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      const res = await post(
        '/v1/chat/completions',
        { model: MODEL, messages: MESSAGES },
        busy.url,
      );
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error_type: 'Service Unavailable' });
      expect((await long).status).toBe(200);
    } finally {
      await busy.close();
    }
  });

  it('drops the connection mid-stream when the engine dies, without [DONE]', async () => {
    await post('/__sim/faults', { dieAfterTokens: 3 });
    try {
      const res = await post('/v1/chat/completions', {
        model: MODEL,
        messages: MESSAGES,
        max_tokens: 40,
        stream: true,
      });
      await expect(res.text()).rejects.toThrow();
    } finally {
      await post('/__sim/faults', { dieAfterTokens: null });
    }
  });
});
