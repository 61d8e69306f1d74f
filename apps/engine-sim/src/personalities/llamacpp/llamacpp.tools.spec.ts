import { renderChatPrompt } from '../../core/chat-template';
import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';

/** Tool calls as llama.cpp (`--jinja`) streams and returns them, over real HTTP. */

const MODEL = 'tiny-llama';
const WEATHER = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string' },
        days: { type: 'integer', minimum: 1, maximum: 7 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
        detailed: { type: 'boolean' },
        note: { type: 'string' },
      },
      required: ['city', 'days', 'unit', 'detailed'],
    },
  },
};
const TIME = {
  type: 'function',
  function: {
    name: 'get_time',
    parameters: { type: 'object', properties: { zone: { type: 'string' } }, required: ['zone'] },
  },
};

interface ToolCallJson {
  type: string;
  id: string;
  function: { name: string; arguments: string };
}
interface ChatBody {
  choices: {
    finish_reason: string;
    message: { content: string | null; reasoning_content?: string; tool_calls?: ToolCallJson[] };
  }[];
}
interface ToolDelta {
  index: number;
  id?: string;
  type?: string;
  function: { name?: string; arguments: string };
}
interface ChatChunk {
  choices: {
    delta: { content?: string | null; reasoning_content?: string; tool_calls?: ToolDelta[] };
    finish_reason: string | null;
  }[];
}

const running: RunningSim[] = [];
async function sim(reasoning = false): Promise<RunningSim> {
  const s = await startEngineSim({
    engine: 'llamacpp',
    port: 0,
    model: MODEL,
    decodeMs: 1,
    reasoning,
  });
  running.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
});

const ask = (text: string, extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content: text }],
  tools: [WEATHER, TIME],
  seed: 8,
  ...extra,
});

async function post(s: RunningSim, body: unknown): Promise<Response> {
  return fetch(`${s.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(body) });
}
const whole = async (s: RunningSim, body: unknown) =>
  (await (await post(s, body)).json()) as ChatBody;
async function chunks(s: RunningSim, body: Record<string, unknown>): Promise<ChatChunk[]> {
  const text = await (await post(s, { ...body, stream: true })).text();
  expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: {'))
    .map((frame) => JSON.parse(frame.slice(6)) as ChatChunk);
}

describe('llama.cpp tool calls', () => {
  it('answers tool_choice required with one call whose arguments fit the schema', async () => {
    const s = await sim();
    const body = await whole(s, ask('Will it rain in Lisbon?', { tool_choice: 'required' }));
    const choice = body.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(Object.keys(call)).toEqual(['type', 'function', 'id']);
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(call.id).toMatch(/^[A-Za-z0-9]{32}$/);
    const args = JSON.parse(call.function.arguments) as Record<string, unknown>;
    expect(Object.keys(args)).toEqual(['city', 'days', 'unit', 'detailed']);
    expect(typeof args.city).toBe('string');
    expect(
      Number.isInteger(args.days) && (args.days as number) >= 1 && (args.days as number) <= 7,
    ).toBe(true);
    expect(['celsius', 'fahrenheit']).toContain(args.unit);
    expect(typeof args.detailed).toBe('boolean');

    const again = await whole(s, ask('Will it rain in Lisbon?', { tool_choice: 'required' }));
    expect(again.choices[0]!.message.tool_calls![0]!.function).toEqual(call.function);
  });

  it('streams the call as an id/name fragment and argument fragments that join to the body', async () => {
    const s = await sim();
    const request = ask('Use get_time for Tokyo please');
    const body = await whole(s, request);
    const call = body.choices[0]!.message.tool_calls![0]!;
    expect(call.function.name).toBe('get_time');

    const stream = await chunks(s, request);
    const toolDeltas = stream.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    const [first, ...rest] = toolDeltas;
    expect(first).toEqual({
      index: 0,
      id: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      type: 'function',
      function: { name: 'get_time', arguments: '' },
    });
    expect(rest.length).toBeGreaterThanOrEqual(3);
    expect(rest.every((d) => d.index === 0 && Object.keys(d).join() === 'index,function')).toBe(
      true,
    );
    expect(rest.map((d) => d.function.arguments).join('')).toBe(call.function.arguments);
    expect(stream.some((c) => typeof c.choices[0]?.delta.content === 'string')).toBe(false);
    expect(stream.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('calls a tool under auto only when the user names it, and never under none', async () => {
    const s = await sim();
    const plain = await whole(s, ask('Tell me a story'));
    const prompt = renderChatPrompt([{ role: 'user', content: 'Tell me a story' }]);
    expect(plain.choices[0]!.message).toEqual({
      role: 'assistant',
      content: generateTokens({ model: MODEL, prompt, seed: 8 }).tokens.join(''),
    });
    expect(plain.choices[0]!.finish_reason).toBe('stop');

    const none = await whole(s, ask('Call get_weather now', { tool_choice: 'none' }));
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();

    const named = await whole(
      s,
      ask('Call get_weather now', {
        tool_choice: { type: 'function', function: { name: 'get_time' } },
      }),
    );
    expect(named.choices[0]!.message.tool_calls![0]!.function.name).toBe('get_time');
  });

  it('thinks before calling when the model reasons', async () => {
    const s = await sim(true);
    const request = ask('What is the weather?', { tool_choice: 'required' });
    const body = await whole(s, request);
    const message = body.choices[0]!.message;
    expect(message.reasoning_content!.length).toBeGreaterThan(0);
    expect(message.content).toBeNull();
    const stream = await chunks(s, request);
    const deltas = stream.map((c) => c.choices[0]?.delta ?? {});
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe(message.reasoning_content);
    const args = deltas.flatMap((d) => d.tool_calls ?? []).map((t) => t.function.arguments);
    expect(args.join('')).toBe(message.tool_calls![0]!.function.arguments);
  });

  it('rejects a bad tool_choice, and logprobs with tools while streaming, as llama.cpp does', async () => {
    const s = await sim();
    const bad = await post(s, ask('hi', { tool_choice: 'sometimes' }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        code: 400,
        message: 'Invalid tool_choice: sometimes',
        type: 'invalid_request_error',
      },
    });
    const logprobs = await post(s, ask('hi', { logprobs: true, stream: true }));
    expect(logprobs.status).toBe(400);
    expect(await logprobs.json()).toMatchObject({
      error: { message: 'logprobs is not supported with tools + stream' },
    });
  });
});

describe('a llama.cpp sim started with --no-jinja', () => {
  it('refuses any chat carrying tools with the real server’s 500, and serves one without', async () => {
    const s = await startEngineSim({ engine: 'llamacpp', port: 0, model: MODEL, jinja: false });
    running.push(s);
    const chat = (extra: object) =>
      fetch(`${s.url}/v1/chat/completions`, {
        method: 'POST',
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'hi' }],
          max_tokens: 2,
          ...extra,
        }),
      });
    const refused = await chat({ tools: [WEATHER] });
    expect(refused.status).toBe(500);
    expect(await refused.json()).toEqual({
      error: { code: 500, message: 'tools param requires --jinja flag', type: 'server_error' },
    });
    expect((await chat({})).status).toBe(200);
  });
});

describe('a llama.cpp sim without a projector (--no-vision)', () => {
  it('says so in /props and refuses images with the real server’s 500', async () => {
    const s = await startEngineSim({ engine: 'llamacpp', port: 0, model: MODEL, vision: false });
    running.push(s);
    const props = (await (await fetch(`${s.url}/props`)).json()) as {
      modalities: { vision: boolean };
    };
    expect(props.modalities.vision).toBe(false);
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: 'POST',
      body: JSON.stringify({
        max_tokens: 2,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'hi' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            ],
          },
        ],
      }),
    });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(
      /image input is not supported/,
    );
  });
});
