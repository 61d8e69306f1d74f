import { renderChatPrompt } from '../../core/chat-template';
import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { generateTokens } from '../../core/text-generator';
import {
  exchange,
  fixture,
  header,
  headerNames,
  keysOf,
  sseData,
  type HttpMessage,
  weatherTool,
} from '../../core/wire-fixtures.spec-support';

/** The TGI personality over real HTTP, against the adapter's fixtures (`libs/engines/fixtures/tgi`). */

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';
const INPUTS = 'The sky over the harbour';
const MESSAGES = [{ role: 'user', content: 'Why is the sky blue?' }];

interface StreamEvent {
  index: number;
  token: { id: number; text: string; special: boolean };
  top_tokens: unknown[];
  generated_text: string | null;
  details: { finish_reason: string; generated_tokens: number; input_length: number } | null;
}
interface Generated {
  generated_text: string;
  details: { finish_reason: string; generated_tokens: number; tokens: { text: string }[] };
}
interface ChatChunk {
  id: string;
  choices: { delta: { role: string; content?: string }; finish_reason: string | null }[];
  usage: { prompt_tokens: number; completion_tokens: number } | null;
}

const tgi = (name: string): HttpMessage => fixture('tgi', name);
const events = <T>(message: HttpMessage): T[] =>
  sseData(message.body)
    .filter((d) => d !== '[DONE]')
    .map((d) => JSON.parse(d) as T);
const chatText = (chunks: ChatChunk[]): string =>
  chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');

let sim: RunningSim;
beforeAll(async () => {
  sim = await startEngineSim({ engine: 'tgi', port: 0, model: MODEL, decodeMs: 1, slots: 2 });
});
afterAll(() => sim.close());

const post = (route: string, body: unknown): Promise<HttpMessage> =>
  exchange(sim.url, 'POST', route, body);

describe('TGI native routes', () => {
  const parameters = { max_new_tokens: 30, details: true };

  it('streams `data:` events without a space, the last with the text and details, no [DONE]', async () => {
    const res = await post('/generate_stream', { inputs: INPUTS, parameters });
    const want = tgi('generate-stream.http');
    expect(res.status).toBe(200);
    expect(headerNames(res)).toEqual(headerNames(want));
    expect(header(res, 'x-compute-characters')).toBe(String(INPUTS.length));
    expect(res.body).toMatch(/^data:\{"index":1,/);
    expect(res.body).not.toContain('[DONE]');
    const got = events<StreamEvent>(res);
    const wanted = events<StreamEvent>(want);
    expect(got.map(keysOf).slice(0, -1)).toEqual(got.slice(0, -1).map(() => keysOf(wanted[0])));
    expect(keysOf(got.at(-1))).toEqual(keysOf(wanted.at(-1)));
    expect(got.map((e) => e.index)).toEqual(got.map((_, i) => i + 1));
    const text = got.map((e) => (e.token.special ? '' : e.token.text)).join('');
    expect(got.at(-1)?.generated_text).toBe(text);
    expect(got.at(-1)?.details?.generated_tokens).toBe(got.length);
  });

  it('gives the same text streamed or not, as the generator plans it', async () => {
    const whole = JSON.parse(
      (await post('/generate', { inputs: INPUTS, parameters })).body,
    ) as Generated;
    const streamed = events<StreamEvent>(
      await post('/generate_stream', { inputs: INPUTS, parameters }),
    );
    const want = generateTokens({ model: MODEL, prompt: INPUTS, maxTokens: 30 });
    expect(whole.generated_text).toBe(want.tokens.join(''));
    expect(streamed.at(-1)?.generated_text).toBe(whole.generated_text);
    expect(streamed.at(-1)?.details?.finish_reason).toBe(whole.details.finish_reason);
    expect(whole.details.finish_reason).toBe(want.finish === 'eos' ? 'eos_token' : 'length');
  });

  it('keeps a matched stop sequence in the text and reports stop_sequence', async () => {
    const free = JSON.parse(
      (await post('/generate', { inputs: INPUTS, parameters })).body,
    ) as Generated;
    const stop = free.details.tokens[4]?.text ?? '';
    const stopped = { ...parameters, stop: [stop] };
    const whole = JSON.parse(
      (await post('/generate', { inputs: INPUTS, parameters: stopped })).body,
    ) as Generated;
    const streamed = events<StreamEvent>(
      await post('/generate_stream', { inputs: INPUTS, parameters: stopped }),
    );
    expect(whole.details.finish_reason).toBe('stop_sequence');
    expect(whole.generated_text.endsWith(stop)).toBe(true);
    expect(free.generated_text.startsWith(whole.generated_text)).toBe(true);
    expect(streamed.at(-1)?.generated_text).toBe(whole.generated_text);
    expect(streamed.at(-1)?.details?.finish_reason).toBe('stop_sequence');
  });

  it('answers /generate with the timing and token-count headers', async () => {
    const res = await post('/generate', { inputs: INPUTS, parameters });
    const body = JSON.parse(res.body) as Generated;
    expect(headerNames(res)).toEqual([
      'content-type',
      'x-compute-type',
      'x-compute-time',
      'x-compute-characters',
      'x-total-time',
      'x-validation-time',
      'x-queue-time',
      'x-inference-time',
      'x-time-per-token',
      'x-prompt-tokens',
      'x-generated-tokens',
      'content-length',
    ]);
    expect(header(res, 'x-generated-tokens')).toBe(String(body.details.generated_tokens));
    expect(Object.keys(body.details)).toEqual([
      'finish_reason',
      'generated_tokens',
      'seed',
      'prefill',
      'tokens',
    ]);
  });

  it('reports top_n_tokens alternatives and the seed of a sampled request', async () => {
    const sampled = { ...parameters, top_n_tokens: 3, do_sample: true, seed: 42 };
    const got = events<StreamEvent>(
      await post('/generate_stream', { inputs: INPUTS, parameters: sampled }),
    );
    const want = events<StreamEvent>(tgi('generate-stream-logprobs.http'));
    expect(keysOf(got[0])).toEqual(keysOf(want[0]));
    expect(got.every((e) => e.top_tokens.length === 3)).toBe(true);
    expect(got.at(-1)?.details).toMatchObject({ seed: 42 });
  });

  it('answers the compat route with a list, the prompt prepended, or a stream', async () => {
    const whole = JSON.parse(
      (await post('/', { inputs: INPUTS, parameters: { max_new_tokens: 5 } })).body,
    ) as { generated_text: string }[];
    expect(whole).toHaveLength(1);
    expect(whole[0]?.generated_text.startsWith(INPUTS)).toBe(true);
    const streamed = await post('/', {
      inputs: INPUTS,
      parameters: { max_new_tokens: 5 },
      stream: true,
    });
    expect(events<StreamEvent>(streamed)).toHaveLength(5);
  });
});

describe('TGI chat route', () => {
  const body = { model: 'tgi', messages: MESSAGES, seed: 3, max_tokens: 25 };

  it('streams chunks with role on every delta, an id-less usage chunk, then data:[DONE]', async () => {
    const res = await post('/v1/chat/completions', {
      ...body,
      stream: true,
      stream_options: { include_usage: true },
    });
    const want = tgi('chat-stream.http');
    expect(headerNames(res)).toEqual(headerNames(want));
    expect(sseData(res.body).at(-1)).toBe('[DONE]');
    expect(res.body).toMatch(/^data:\{/);
    const got = events<ChatChunk>(res);
    const wanted = events<ChatChunk>(want);
    expect(got.slice(0, -1).map(keysOf)).toEqual(got.slice(0, -1).map(() => keysOf(wanted[0])));
    expect(keysOf(got.at(-1))).toEqual(keysOf(wanted.at(-1)));
    expect(got.at(-1)).toMatchObject({ id: '', choices: [] });
    expect(got.at(-2)?.choices[0]?.finish_reason).toMatch(/^(stop|length)$/);
    expect(got.at(-1)?.usage?.completion_tokens).toBe(got.length - 1);

    const whole = JSON.parse((await post('/v1/chat/completions', body)).body) as {
      choices: { message: { content: string } }[];
    };
    expect(chatText(got)).toBe(whole.choices[0]?.message.content);
    const prompt = renderChatPrompt(MESSAGES);
    expect(whole.choices[0]?.message.content).toBe(
      generateTokens({ model: MODEL, prompt, seed: 3, maxTokens: 25 }).tokens.join(''),
    );
  });

  it('sends no usage chunk unless asked and reports stop_sequence with the stop kept', async () => {
    const free = events<ChatChunk>(await post('/v1/chat/completions', { ...body, stream: true }));
    expect(free.every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    const stop = free[3]?.choices[0]?.delta.content ?? '';
    const stopped = events<ChatChunk>(
      await post('/v1/chat/completions', { ...body, stream: true, stop: [stop] }),
    );
    expect(stopped.at(-1)?.choices[0]?.finish_reason).toBe('stop_sequence');
    expect(chatText(stopped).endsWith(stop)).toBe(true);
  });

  it('streams a tool call as argument fragments, the first naming the function', async () => {
    const tools = [weatherTool('location')];
    const res = await post('/v1/chat/completions', {
      ...body,
      messages: [{ role: 'user', content: 'Use get_weather for Oslo' }],
      tools,
      stream: true,
      stream_options: { include_usage: true },
    });
    const got = events<{
      choices: {
        delta: { tool_calls: { function: { name: string | null; arguments: string } }[] };
        finish_reason: string | null;
      }[];
    }>(res);
    const want = events<ChatChunk>(tgi('chat-stream-tools.http'));
    expect(keysOf(got[0])).toEqual(keysOf(want[0]));
    const calls = got.slice(0, -1).map((c) => c.choices[0]?.delta.tool_calls[0]?.function);
    expect(calls[0]?.name).toBe('get_weather');
    expect(calls.slice(1).every((f) => f?.name === null)).toBe(true);
    expect(JSON.parse(calls.map((f) => f?.arguments).join(''))).toEqual({
      location: expect.any(String),
    });
    expect(got.slice(0, -1).every((c) => c.choices[0]?.finish_reason === null)).toBe(true);
  });

  it('reports logprobs in the OpenAI shape', async () => {
    const got = events<ChatChunk>(
      await post('/v1/chat/completions', {
        ...body,
        stream: true,
        logprobs: true,
        top_logprobs: 2,
      }),
    );
    const want = events<ChatChunk>(tgi('chat-stream-logprobs.http'));
    expect(keysOf(got[0])).toEqual(keysOf(want[0]));
  });
});
