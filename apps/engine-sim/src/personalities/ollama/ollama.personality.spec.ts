import { renderChatPrompt } from '../../core/chat-template';
import type { RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';
import {
  exchange,
  fixture,
  headerNames,
  keysOf,
  ndjson,
  type HttpMessage,
  simulators,
  weatherTool,
} from '../../core/wire-fixtures.spec-support';

/** Ollama's `/api/chat` and `/api/generate` over real HTTP, against `libs/engines/fixtures/ollama`. */

const MODEL = 'llama3.1:8b';
const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];
const OPTIONS = { num_predict: 30, seed: 5 };

interface Line {
  message?: { role: string; content: string; thinking?: string; tool_calls?: unknown[] };
  response?: string;
  thinking?: string;
  done: boolean;
  done_reason?: string;
  eval_count?: number;
  error?: string;
}

const ollama = (name: string): HttpMessage => fixture('ollama', name);
const lines = (message: HttpMessage): Line[] => ndjson(message.body) as Line[];
const chatText = (all: Line[]): string => all.map((l) => l.message?.content ?? '').join('');

const start = simulators({ engine: 'ollama', port: 0, model: MODEL, decodeMs: 1 });

const post = (sim: RunningSim, route: string, body: unknown): Promise<HttpMessage> =>
  exchange(sim.url, 'POST', route, body);

describe('Ollama generation', () => {
  it('streams NDJSON when `stream` is absent: a line per token, then done with counts', async () => {
    const sim = await start();
    const res = await post(sim, '/api/chat', {
      model: MODEL,
      messages: MESSAGES,
      options: OPTIONS,
    });
    const want = ollama('chat-stream-thinking.http');
    expect(res.status).toBe(200);
    expect(headerNames(res)).toEqual(headerNames(want));
    const got = lines(res);
    const wanted = lines(want);
    expect(got.slice(0, -1).map(keysOf)).toEqual(got.slice(0, -1).map(() => keysOf(wanted[2])));
    expect(keysOf(got.at(-1))).toEqual(keysOf(wanted.at(-1)));
    expect(got.at(-1)).toMatchObject({ done: true, message: { role: 'assistant', content: '' } });

    const whole = JSON.parse(
      (
        await post(sim, '/api/chat', {
          model: MODEL,
          messages: MESSAGES,
          options: OPTIONS,
          stream: false,
        })
      ).body,
    ) as Line;
    const plan = generateTokens({
      model: MODEL,
      prompt: renderChatPrompt(MESSAGES),
      seed: 5,
      maxTokens: 30,
    });
    expect(chatText(got)).toBe(plan.tokens.join(''));
    expect(whole.message?.content).toBe(chatText(got));
    expect(whole.done_reason).toBe(got.at(-1)?.done_reason);
    expect(whole.done_reason).toBe(plan.finish === 'eos' ? 'stop' : 'length');
  });

  it('answers /api/generate with `response` deltas, the token context and one object unstreamed', async () => {
    const sim = await start();
    const body = { model: MODEL, prompt: 'Der Himmel', options: OPTIONS };
    const res = await post(sim, '/api/generate', body);
    const got = lines(res);
    const wanted = lines(ollama('generate-stream.http'));
    expect(keysOf(got[0])).toEqual(keysOf(wanted[0]));
    expect(keysOf(got.at(-1))).toEqual(keysOf(wanted.at(-1)));
    const whole = await post(sim, '/api/generate', { ...body, stream: false });
    expect(headerNames(whole)).toEqual(['Content-Type', 'Date', 'Content-Length']);
    expect((JSON.parse(whole.body) as Line).response).toBe(got.map((l) => l.response).join(''));
  });

  it('removes a stop string from the text, finishing with stop', async () => {
    const sim = await start();
    const free = lines(
      await post(sim, '/api/generate', { model: MODEL, prompt: 'Hi', options: OPTIONS }),
    );
    const stop = free[4]?.response ?? '';
    const text = free.map((l) => l.response).join('');
    const options = { ...OPTIONS, stop: [stop] };
    const stopped = lines(
      await post(sim, '/api/generate', { model: MODEL, prompt: 'Hi', options }),
    );
    expect(stopped.map((l) => l.response).join('')).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.at(-1)?.done_reason).toBe('stop');
  });

  it('reports thinking apart on a reasoning model, and none with think false', async () => {
    const sim = await start({ reasoning: true });
    const got = lines(
      await post(sim, '/api/chat', { model: MODEL, messages: MESSAGES, options: OPTIONS }),
    );
    const thinking = got.filter((l) => l.message?.thinking);
    expect(thinking.length).toBeGreaterThan(0);
    expect(keysOf(thinking[0])).toEqual(keysOf(lines(ollama('chat-stream-thinking.http'))[0]));
    expect(thinking.every((l) => l.message?.content === '')).toBe(true);
    const off = lines(
      await post(sim, '/api/chat', {
        model: MODEL,
        messages: MESSAGES,
        options: OPTIONS,
        think: false,
      }),
    );
    expect(off.some((l) => l.message?.thinking)).toBe(false);
  });

  it('calls a mentioned tool with object-valued arguments and an id', async () => {
    const sim = await start();
    const tools = [weatherTool('city')];
    const messages = [{ role: 'user', content: 'Ask get_weather about Oslo' }];
    const got = lines(await post(sim, '/api/chat', { model: MODEL, messages, tools }));
    const call = got.find((l) => l.message?.tool_calls);
    const wanted = lines(ollama('chat-stream-tool-ids.http'))[1];
    expect(keysOf(call)).toEqual(keysOf(wanted));
    expect(call?.message?.tool_calls?.[0]).toEqual({
      id: expect.stringMatching(/^call_[a-z0-9]{8}$/),
      function: { index: 0, name: 'get_weather', arguments: { city: expect.any(String) } },
    });
    expect(got.at(-1)).toMatchObject({ done: true, done_reason: 'stop' });
  });

  it('only loads the model for an empty prompt, and unloads it with keep_alive 0', async () => {
    const sim = await start();
    const load = await post(sim, '/api/generate', { model: MODEL, prompt: '' });
    const want = lines(ollama('generate-load.http'))[0];
    expect(keysOf(JSON.parse(load.body))).toEqual(keysOf(want));
    const chat = JSON.parse(
      (await post(sim, '/api/chat', { model: MODEL, messages: [] })).body,
    ) as Line;
    expect(chat).toMatchObject({
      message: { role: 'assistant', content: '' },
      done_reason: 'load',
    });
    const unload = await post(sim, '/api/generate', { model: MODEL, keep_alive: 0 });
    expect(JSON.parse(unload.body)).toMatchObject({ done: true, done_reason: 'unload' });
    const ps = JSON.parse((await exchange(sim.url, 'GET', '/api/ps')).body) as {
      models: unknown[];
    };
    expect(ps.models).toEqual([]);
  });

  it('reports logprobs with bytes and top alternatives', async () => {
    const sim = await start();
    const body = {
      model: MODEL,
      prompt: 'Hi',
      options: { num_predict: 1 },
      logprobs: true,
      top_logprobs: 2,
    };
    const got = lines(await post(sim, '/api/generate', body));
    const want = lines(ollama('generate-stream-logprobs.http'));
    expect(keysOf(got[0])).toEqual(keysOf(want[0]));
  });
});
