import { randomBytes } from 'node:crypto';
import OpenAI, { APIError, BadRequestError, NotFoundError, RateLimitError } from 'openai';
import { freePort, waitFor } from '@switchyard/testing';
import { embedText } from '@switchyard/engine-sim';
import { startFleet, type Fleet } from './support/fleet';
import { launch, type Launched } from './support/processes';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy';
import {
  expectedChat,
  expectedChoices,
  expectedCompletion,
  expectedReasoningChat,
  expectedToolCall,
  promptTokens,
  type SimMessage,
} from './support/sim-expectations';

/**
 * The OpenAI dialect end to end through the official `openai` SDK: a gateway, a llama.cpp
 * node whose engine sits behind a recording proxy (so tests see which fields reached it), a
 * vLLM node and a llama.cpp reasoning model, on real Redis. Every answer is checked against
 * the simulator's deterministic output: text, finish reasons and token counts.
 */
const MODEL = 'e2e-oai'; // llama.cpp, behind the proxy; the catalogue lets it take images
const VLLM = 'e2e-oai-vllm'; // vLLM, text only
const THINKER = 'e2e-oai-thinker'; // llama.cpp serving a reasoning model
const EMBEDDING_DIM = 384; // the sim's default

let fleet: Fleet;
let proxy: RecordingProxy;
let client: OpenAI;
const launched: Launched[] = [];

beforeAll(async () => {
  fleet = await startFleet({
    model: VLLM,
    nodes: [
      { engine: 'vllm', slots: 4, decodeMs: 2 },
      { model: THINKER, slots: 2, decodeMs: 2, simArgs: ['--reasoning'] },
    ],
    gatewayEnv: {
      SWITCHYARD_MODELS: JSON.stringify([
        {
          name: MODEL,
          modalities: ['text', 'image'],
          displayName: 'E2E OpenAI',
          description: 'sees pictures',
        },
      ]),
    },
  });
  const port = await freePort();
  launched.push(
    launch('sim-proxied', [
      'sim',
      ...['--engine', 'llamacpp', '--port', String(port), '--model', MODEL],
      ...['--slots', '4', '--decode-ms', '2', '--embeddings'],
    ]),
  );
  proxy = await startRecordingProxy(`http://127.0.0.1:${port}`);
  launched.push(
    launch(
      'worker-proxied',
      [
        'worker',
        ...['--engine', 'llamacpp', '--engine-url', proxy.url],
        ...['--node-id', `e2e-oai-${randomBytes(3).toString('hex')}`],
      ],
      { REDIS_URL: fleet.redisUrl, SWITCHYARD_PREFIX: fleet.prefix },
    ),
  );
  await waitFor(
    async () => {
      const res = await fetch(`${fleet.gatewayUrl}/readyz`);
      return res.ok && ((await res.json()) as { readyNodes: number }).readyNodes === 3;
    },
    { timeoutMs: 30000, intervalMs: 100, what: 'the gateway to see the proxied node ready' },
  );
  client = new OpenAI({ baseURL: `${fleet.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
}, 90000);

afterAll(async () => {
  await Promise.all(launched.map((l) => l.stop()));
  await proxy?.close();
  await fleet?.stop();
});

type Chunk = OpenAI.ChatCompletionChunk;
type ChatParams = OpenAI.ChatCompletionCreateParamsNonStreaming;
type WithReasoning = { reasoning_content?: string };

const ask = (i: number): SimMessage[] => [
  { role: 'system', content: 'Answer briefly.' },
  { role: 'user', content: `Question ${i}: why is the sky blue?` },
];

/** The engine-bound body of the chat whose last message is `text`. */
function engineChatBody(text: string): Record<string, unknown> {
  const bodies = proxy.posted('/v1/chat/completions');
  const found = bodies.find((b) => JSON.stringify(b.messages).includes(text));
  if (!found) throw new Error(`no engine request carried ${JSON.stringify(text)}`);
  return found;
}

async function collect<T = Chunk>(stream: AsyncIterable<T>): Promise<T[]> {
  const chunks: T[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

describe('chat completions', () => {
  it('answers a whole chat: exact text, finish reason and usage', async () => {
    const want = expectedChat(MODEL, ask(1), { seed: 1, maxTokens: 40 });
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: ask(1) as ChatParams['messages'],
      seed: 1,
      max_tokens: 40,
    });
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe(MODEL);
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: want.text });
    expect(res.choices[0]!.finish_reason).toBe(want.finishReason);
    expect(res.usage).toMatchObject({
      prompt_tokens: want.promptTokens,
      completion_tokens: want.completionTokens,
      total_tokens: want.promptTokens + want.completionTokens,
    });
  });

  it('streams a chat with include_usage: usage null on every chunk, then a choices: [] usage chunk', async () => {
    const want = expectedChat(MODEL, ask(2), { seed: 2, maxTokens: 40 });
    const chunks = await collect(
      await client.chat.completions.create({
        model: MODEL,
        messages: ask(2) as ChatParams['messages'],
        seed: 2,
        max_completion_tokens: 40,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({
      prompt_tokens: want.promptTokens,
      completion_tokens: want.completionTokens,
      total_tokens: want.promptTokens + want.completionTokens,
    });
    const body = chunks.slice(0, -1);
    expect(body.every((c) => c.usage === null && c.choices.length === 1)).toBe(true);
    expect(body[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(body.map((c) => c.choices[0]!.delta.content ?? '').join('')).toBe(want.text);
    expect(body.map((c) => c.choices[0]!.finish_reason).filter(Boolean)).toEqual([
      want.finishReason,
    ]);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('n = 3, streamed: a role and a finish chunk per choice, interleaved deltas', async () => {
    const want = expectedChoices(MODEL, ask(3), { seed: 30, maxTokens: 12, n: 3 });
    const chunks = await collect(
      await client.chat.completions.create({
        model: MODEL,
        messages: ask(3) as ChatParams['messages'],
        seed: 30,
        max_tokens: 12,
        n: 3,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    for (const [i, w] of want.entries()) {
      const mine = chunks.flatMap((c) => c.choices.filter((ch) => ch.index === i));
      expect(mine.filter((ch) => ch.delta.role === 'assistant')).toHaveLength(1);
      expect(mine.map((ch) => ch.delta.content ?? '').join('')).toBe(w.text);
      expect(mine.map((ch) => ch.finish_reason).filter(Boolean)).toEqual([w.finishReason]);
    }
    // The role chunks come first, one per choice; then the choices' text interleaves.
    expect(chunks.slice(0, 3).map((c) => [c.choices[0]!.index, c.choices[0]!.delta.role])).toEqual([
      [0, 'assistant'],
      [1, 'assistant'],
      [2, 'assistant'],
    ]);
    const speakers = chunks.flatMap((c) =>
      c.choices.filter((ch) => ch.delta.content).map((ch) => ch.index),
    );
    expect(speakers.some((index, i) => i > 0 && index < speakers[i - 1]!)).toBe(true);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(
      want.reduce((sum, w) => sum + w.completionTokens, 0),
    );
    expect(engineChatBody('Question 3:')).toMatchObject({ n: 3 });
  });

  it('n = 3, whole: every choice with its own text and finish reason', async () => {
    const want = expectedChoices(VLLM, ask(4), { seed: 40, maxTokens: 12, n: 3 });
    const res = await client.chat.completions.create({
      model: VLLM,
      messages: ask(4) as ChatParams['messages'],
      seed: 40,
      max_tokens: 12,
      n: 3,
    });
    expect(
      res.choices.map((c) => ({ i: c.index, text: c.message.content, f: c.finish_reason })),
    ).toEqual(want.map((w, i) => ({ i, text: w.text, f: w.finishReason })));
    expect(res.usage!.completion_tokens).toBe(want.reduce((s, w) => s + w.completionTokens, 0));
  });

  it('logprobs with top_logprobs, streamed and whole alike, one entry per token', async () => {
    const want = expectedChat(MODEL, ask(5), { seed: 5, maxTokens: 8 });
    const params = {
      model: MODEL,
      messages: ask(5) as ChatParams['messages'],
      seed: 5,
      max_tokens: 8,
      logprobs: true,
      top_logprobs: 2,
    };
    const whole = await client.chat.completions.create(params);
    const content = whole.choices[0]!.logprobs!.content!;
    expect(content.map((t) => t.token)).toEqual(want.tokens);
    for (const t of content) {
      expect(t.logprob).toBeLessThanOrEqual(0);
      expect(t.bytes).toEqual([...Buffer.from(t.token)]);
      expect(t.top_logprobs).toHaveLength(2);
      expect(t.top_logprobs[0]!.logprob).toBeGreaterThanOrEqual(t.top_logprobs[1]!.logprob);
    }
    const chunks = await collect(await client.chat.completions.create({ ...params, stream: true }));
    const streamed = chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
    expect(streamed).toEqual(content);
    expect(engineChatBody('Question 5:')).toMatchObject({ logprobs: true, top_logprobs: 2 });
  });

  it('a stop string that spans two tokens never leaks, streamed or not, on llama.cpp and vLLM', async () => {
    for (const model of [MODEL, VLLM]) {
      const full = expectedChat(model, ask(6), { seed: 6, maxTokens: 40 });
      // The end of one piece and the start of the next: no single token holds it.
      const k = full.tokens.findIndex(
        (t, i) => i >= 3 && t.length >= 3 && full.tokens[i + 1]!.length >= 3,
      );
      const stop = full.tokens[k]!.slice(-2) + full.tokens[k + 1]!.slice(0, 2);
      const at = full.text.indexOf(stop);
      const text = full.text.slice(0, at);
      // Where the text first holds the stop, it straddles a token boundary.
      const boundaries = full.tokens.map((_, i) => full.tokens.slice(0, i + 1).join('').length);
      expect(boundaries.some((b) => b > at && b < at + stop.length)).toBe(true);
      const params = {
        model,
        messages: ask(6) as ChatParams['messages'],
        seed: 6,
        max_tokens: 40,
        stop: ['never-there', stop],
      };
      const whole = await client.chat.completions.create(params);
      expect(whole.choices[0]!.message.content).toBe(text);
      expect(whole.choices[0]!.finish_reason).toBe('stop');
      const chunks = await collect(
        await client.chat.completions.create({ ...params, stream: true }),
      );
      const deltas = chunks.map((c) => c.choices[0]?.delta.content ?? '');
      expect(deltas.join('')).toBe(text);
      expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(['stop']);
    }
  });

  it('max_completion_tokens caps the answer with finish_reason length', async () => {
    const want = expectedChat(MODEL, ask(7), { seed: 7, maxTokens: 5 });
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: ask(7) as ChatParams['messages'],
      seed: 7,
      max_completion_tokens: 5,
    });
    expect(want.finishReason).toBe('length');
    expect(res.choices[0]!.message.content).toBe(want.text);
    expect(res.choices[0]!.finish_reason).toBe('length');
    expect(res.usage!.completion_tokens).toBe(5);
  });

  it('sampling, penalty, seed and response_format fields reach the engine', async () => {
    const sampling = {
      temperature: 0.3,
      top_p: 0.9,
      frequency_penalty: 0.25,
      presence_penalty: -0.5,
      logit_bias: { '15': -5 },
      seed: 42,
    };
    const schema = { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] };
    const formats = [
      { type: 'json_object' as const },
      { type: 'json_schema' as const, json_schema: { name: 'answer', schema, strict: true } },
    ];
    for (const [i, response_format] of formats.entries()) {
      const messages = [{ role: 'user', content: `Formats ${i}` }];
      const res = await client.chat.completions.create({
        model: MODEL,
        messages: messages as ChatParams['messages'],
        max_tokens: 20,
        response_format,
        ...sampling,
      });
      expect(res.choices[0]!.message.content).toBe(
        expectedChat(MODEL, messages, { seed: 42, maxTokens: 20 }).text,
      );
      expect(engineChatBody(`Formats ${i}`)).toMatchObject({
        ...sampling,
        max_tokens: 20,
        response_format,
      });
    }
  });

  it('streams a tool call the SDK’s stream helper assembles; finish_reason tool_calls', async () => {
    const parameters = {
      type: 'object',
      properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } },
      required: ['city', 'days'],
    };
    const tools = [
      { type: 'function' as const, function: { name: 'get_weather', parameters } },
      { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object' } } },
    ];
    const messages = [{ role: 'user', content: 'What will the weather be? Use get_weather.' }];
    const want = expectedToolCall(MODEL, messages, 8, { name: 'get_weather', parameters });
    const stream = client.chat.completions.stream({
      model: MODEL,
      messages: messages as ChatParams['messages'],
      seed: 8,
      tools,
      tool_choice: 'auto',
    });
    const argumentsDone: string[] = [];
    stream.on('tool_calls.function.arguments.done', (e) => argumentsDone.push(e.arguments));
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.tool_calls).toHaveLength(1);
    const call = choice.message.tool_calls![0]!;
    expect(call.id).toMatch(/\S/);
    expect(call.type).toBe('function');
    expect(call.function).toEqual(want);
    expect(argumentsDone).toEqual([want.arguments]);
    expect(JSON.parse(call.function.arguments)).toEqual({
      city: expect.any(String) as string,
      days: expect.any(Number) as number,
    });

    // Whole, with a named tool: the same call.
    const named = await client.chat.completions.create({
      model: MODEL,
      messages: messages as ChatParams['messages'],
      seed: 8,
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(named.choices[0]!.finish_reason).toBe('tool_calls');
    expect(named.choices[0]!.message.content).toBeNull();
    expect(
      (named.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall)
        .function,
    ).toEqual(want);
    const sent = proxy
      .posted('/v1/chat/completions')
      .filter((b) => JSON.stringify(b.messages).includes('Use get_weather.'));
    expect(sent.map((b) => b.tool_choice)).toEqual(['auto', 'required']);
    expect(sent[0]!.tools).toEqual(tools);
  });

  it('takes content parts with http and data: image URLs on an image model; refuses them on a text-only one', async () => {
    const parts: OpenAI.ChatCompletionContentPart[] = [
      { type: 'text', text: 'What is in these pictures? ' },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
      { type: 'text', text: 'Compare them.' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ];
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: parts }],
      seed: 9,
      max_tokens: 20,
    });
    const want = expectedChat(
      MODEL,
      [{ role: 'user', content: 'What is in these pictures? Compare them.' }],
      { seed: 9, maxTokens: 20 },
    );
    expect(res.choices[0]!.message.content).toBe(want.text);
    const sent = engineChatBody('Compare them.') as {
      messages: { content: { type: string; image_url?: { url: string } }[] }[];
    };
    expect(sent.messages[0]!.content.map((p) => p.image_url?.url ?? p.type)).toEqual([
      'text',
      'https://example.com/cat.png',
      'text',
      'data:image/png;base64,iVBORw0KGgo=',
    ]);

    const refused = await client.chat.completions
      .create({ model: VLLM, messages: [{ role: 'user', content: parts }] })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused).toMatchObject({ status: 400, param: 'model', type: 'invalid_request_error' });
    expect((refused as APIError).message).toContain(MODEL);
  });

  it('passes a reasoning model’s thoughts as reasoning_content, streamed and whole', async () => {
    const messages = ask(10);
    const want = expectedReasoningChat(THINKER, messages, { seed: 10, maxTokens: 200 });
    expect(want.reasoning).not.toBe('');
    const params = {
      model: THINKER,
      messages: messages as ChatParams['messages'],
      seed: 10,
      max_tokens: 200,
    };
    const whole = await client.chat.completions.create(params);
    const message = whole.choices[0]!.message as OpenAI.ChatCompletionMessage & WithReasoning;
    expect(message.reasoning_content).toBe(want.reasoning);
    expect(message.content).toBe(want.text);
    const chunks = await collect(await client.chat.completions.create({ ...params, stream: true }));
    const deltas = chunks.map(
      (c) => (c.choices[0]?.delta ?? {}) as Chunk['choices'][0]['delta'] & WithReasoning,
    );
    expect(deltas.map((d) => d.reasoning_content ?? '').join('')).toBe(want.reasoning);
    expect(deltas.map((d) => d.content ?? '').join('')).toBe(want.text);
  });
});

describe('completions', () => {
  const prompt = 'Once upon a time';

  it('answers a whole completion with integer logprobs', async () => {
    const want = expectedCompletion(MODEL, prompt, { seed: 11, maxTokens: 10 });
    const res = await client.completions.create({
      model: MODEL,
      prompt,
      seed: 11,
      max_tokens: 10,
      logprobs: 2,
    });
    expect(res.object).toBe('text_completion');
    expect(res.choices[0]!.text).toBe(want.text);
    expect(res.choices[0]!.finish_reason).toBe(want.finishReason);
    expect(res.usage!.completion_tokens).toBe(want.completionTokens);
    const lp = res.choices[0]!.logprobs!;
    expect(lp.tokens).toEqual(want.tokens);
    expect(lp.token_logprobs).toHaveLength(want.tokens.length);
    expect(lp.top_logprobs!.every((m) => Object.keys(m).length === 2)).toBe(true);
    const offsets = want.tokens.map((_, i) => want.tokens.slice(0, i).join('').length);
    expect(lp.text_offset).toEqual(offsets);
    const sent = proxy.posted('/v1/completions').find((b) => b.prompt === prompt);
    expect(sent).toMatchObject({ prompt, logprobs: 2, max_tokens: 10, seed: 11 });
  });

  it('streams n = 2 completions with the default 16 tokens and a usage chunk', async () => {
    const want = [0, 1].map((i) =>
      expectedCompletion(VLLM, prompt, { seed: 12 + i, maxTokens: 16 }),
    );
    const chunks = await collect(
      await client.completions.create({
        model: VLLM,
        prompt,
        seed: 12,
        n: 2,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    for (const [i, w] of want.entries()) {
      const mine = chunks.flatMap((c) => c.choices.filter((ch) => ch.index === i));
      expect(mine.map((ch) => ch.text).join('')).toBe(w.text);
      expect(mine.map((ch) => ch.finish_reason).filter(Boolean)).toEqual([w.finishReason]);
    }
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage!.completion_tokens).toBe(
      want[0]!.completionTokens + want[1]!.completionTokens,
    );
  });
});

describe('embeddings', () => {
  const inputs = ['The quick brown fox', 'jumps over the lazy dog'];

  it.each([MODEL, VLLM])(
    '%s: base64 (the SDK default) decodes to the engine’s vectors',
    async (model) => {
      const res = await client.embeddings.create({ model, input: inputs });
      expect(res.object).toBe('list');
      expect(res.model).toBe(model);
      expect(res.data.map((d) => d.index)).toEqual([0, 1]);
      for (const [i, text] of inputs.entries()) {
        expect(res.data[i]!.object).toBe('embedding');
        expect(res.data[i]!.embedding).toHaveLength(EMBEDDING_DIM);
        expect(res.data[i]!.embedding).toEqual(embedText(model, text, EMBEDDING_DIM));
      }
      const tokens = inputs.reduce((sum, text) => sum + promptTokens(text), 0);
      expect(res.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    },
  );

  it('float: the same numbers, deterministic, with the same usage', async () => {
    const [a, b, base64] = await Promise.all([
      client.embeddings.create({ model: MODEL, input: inputs[0]!, encoding_format: 'float' }),
      client.embeddings.create({ model: MODEL, input: inputs[0]!, encoding_format: 'float' }),
      client.embeddings.create({ model: MODEL, input: inputs[0]! }),
    ]);
    expect(a.data).toHaveLength(1);
    expect(a.data[0]!.embedding.map(Math.fround)).toEqual(
      embedText(MODEL, inputs[0]!, EMBEDDING_DIM),
    );
    expect(b.data[0]!.embedding).toEqual(a.data[0]!.embedding);
    expect(base64.data[0]!.embedding).toEqual(a.data[0]!.embedding.map(Math.fround));
    expect(b.usage).toEqual(a.usage);
    expect(base64.usage).toEqual(a.usage);
    // Engines are always asked for numbers; only the gateway writes base64.
    const sent = proxy
      .posted('/v1/embeddings')
      .filter((body) => JSON.stringify(body.input) === JSON.stringify([inputs[0]]));
    expect(sent.map((body) => body.encoding_format)).toEqual(['float', 'float', 'float']);
  });

  it('dimensions shortens vectors and keeps them unit length', async () => {
    const res = await client.embeddings.create({ model: VLLM, input: inputs, dimensions: 64 });
    for (const d of res.data) {
      expect(d.embedding).toHaveLength(64);
      expect(Math.hypot(...d.embedding)).toBeCloseTo(1, 5);
    }
  });

  it('refuses an empty string naming input', async () => {
    const err = await client.embeddings
      .create({ model: MODEL, input: '' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, param: 'input' });
  });
});

describe('models', () => {
  it.each(['/v1', '/api/v1'])('lists and retrieves models under %s', async (prefix) => {
    const c = new OpenAI({ baseURL: fleet.gatewayUrl + prefix, apiKey: 'unused', maxRetries: 0 });
    const ids: string[] = [];
    for await (const m of c.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual([MODEL, THINKER, VLLM].sort());
    const one = await c.models.retrieve(MODEL);
    expect(one).toMatchObject({
      id: MODEL,
      object: 'model',
      owned_by: 'switchyard',
      name: 'E2E OpenAI',
      description: 'sees pictures',
      support: 'image',
    });
    expect(one.created).toBeGreaterThan(1_600_000_000);
    const missing = await c.models.retrieve('no-such-model').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('answers chat under /api/v1 with model "auto", as seed 004 does', async () => {
    const c = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/api/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const messages = [{ role: 'user', content: '你是什么模型?' }];
    const res = await c.chat.completions.create({
      model: 'auto',
      messages: messages as ChatParams['messages'],
      seed: 13,
      max_tokens: 30,
    });
    expect(res.model).toBe(MODEL);
    expect(res.choices[0]!.message.content).toBe(
      expectedChat(MODEL, messages, { seed: 13, maxTokens: 30 }).text,
    );
  });
});

describe('errors', () => {
  it('a malformed field is a BadRequestError naming it', async () => {
    const err = await client.chat.completions
      .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], temperature: 5 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'temperature' });
  });

  it('an unknown model is a NotFoundError', async () => {
    const err = await client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, code: 'model_not_found', param: 'model' });
  });

  it('a failure after the first byte is an in-band data: {"error":…} frame the SDK throws', async () => {
    const sim = fleet.nodes[0]!.simUrl;
    const faults = (body: object) =>
      fetch(`${sim}/__sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    await faults({ dieAfterTokens: 3 });
    try {
      const body = { model: VLLM, messages: ask(14), max_tokens: 50, stream: true };
      const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
      const frames = (await res.text()).split('\n\n').filter((f) => f !== '');
      const last = JSON.parse(frames.at(-1)!.slice('data: '.length)) as Record<string, unknown>;
      expect(Object.keys(last)).toEqual(['error']);
      expect(last.error).toEqual({
        message: expect.any(String) as string,
        type: 'server_error',
        param: null,
        code: 'stream_interrupted',
      });
      expect(frames).not.toContain('data: [DONE]');

      const stream = await client.chat.completions.create({
        ...(body as ChatParams),
        stream: true,
      });
      const thrown = await collect(stream).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(APIError);
      expect((thrown as APIError).error).toMatchObject({ code: 'stream_interrupted' });
    } finally {
      await faults({ dieAfterTokens: null });
    }
  });
});

describe('overload', () => {
  const SLOW = 'e2e-oai-slow';
  let small: Fleet;

  beforeAll(async () => {
    small = await startFleet({
      model: SLOW,
      nodes: [{ slots: 1, decodeMs: 40 }],
      gatewayEnv: { SWITCHYARD_MAX_QUEUE_WAIT_MS: '300' },
    });
  }, 60000);

  afterAll(async () => {
    await small?.stop();
  });

  it('a request that cannot get a slot in time is a RateLimitError with Retry-After', async () => {
    const c = new OpenAI({ baseURL: `${small.gatewayUrl}/v1`, apiKey: 'unused', maxRetries: 0 });
    const busy = new AbortController();
    // About 8 s of decoding (ignore_eos is the engines' extension): the one slot stays taken.
    const first = await c.chat.completions.create(
      {
        model: SLOW,
        messages: [{ role: 'user', content: 'a long story' }],
        max_tokens: 200,
        ignore_eos: true,
        stream: true,
      } as OpenAI.ChatCompletionCreateParamsStreaming,
      { signal: busy.signal },
    );
    const reading = collect(first).catch(() => []);
    try {
      const err = await c.chat.completions
        .create({ model: SLOW, messages: [{ role: 'user', content: 'me too' }] })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RateLimitError);
      expect(err).toMatchObject({
        status: 429,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
      });
      expect((err as RateLimitError).headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      busy.abort();
      await reading;
    }
  });
});
