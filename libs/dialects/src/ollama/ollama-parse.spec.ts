import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import { ollamaDialect, ollamaInferenceRoutes } from './ollama.dialect';
import { ENGINE_LIMIT_TOKENS } from '../limits';
import { encodeContext } from './ollama-context';

const chat = ollamaInferenceRoutes.find((r) => r.path === '/api/chat')!;
const generate = ollamaInferenceRoutes.find((r) => r.path === '/api/generate')!;
const ctx = { requestId: 'r1', headers: {} };

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk';
const JPEG = '/9j/4AAQSkZJRgABAQAAAQABAAD';
const GIF = 'R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

function parseError(route: typeof chat, body: unknown): SwitchyardError {
  try {
    route.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

const base = { id: 'r1', priority: 0, includeUsage: true, stream: true };
const userTurn = (content: string) => ({
  kind: 'chat',
  messages: [{ role: 'user', content }],
  modalities: ['text'],
  sampling: { stop: [], n: 1 },
});

describe('Ollama: the seed documents → canonical', () => {
  const cases: [string, typeof chat, unknown, InferenceRequest][] = [
    [
      '002 generate, streaming by default',
      generate,
      { model: 'llama3', prompt: 'Why is the sky blue?' },
      { ...base, model: 'llama3', ...userTurn('Why is the sky blue?') } as InferenceRequest,
    ],
    [
      '002 generate, stream false',
      generate,
      { model: 'llama3', prompt: 'Why is the sky blue?', stream: false },
      {
        ...base,
        stream: false,
        includeUsage: false,
        model: 'llama3',
        ...userTurn('Why is the sky blue?'),
      } as InferenceRequest,
    ],
    [
      '002 chat, streaming by default',
      chat,
      { model: 'llama3', messages: [{ role: 'user', content: 'why is the sky blue?' }] },
      { ...base, model: 'llama3', ...userTurn('why is the sky blue?') } as InferenceRequest,
    ],
    [
      '002 chat, stream false',
      chat,
      {
        model: 'llama3',
        messages: [{ role: 'user', content: 'why is the sky blue?' }],
        stream: false,
      },
      {
        ...base,
        stream: false,
        includeUsage: false,
        model: 'llama3',
        ...userTurn('why is the sky blue?'),
      } as InferenceRequest,
    ],
    [
      '001 generate with stream true',
      generate,
      { model: 'Meta-Llama-3-8B-Instruct', prompt: 'tell me a joke', stream: true },
      {
        ...base,
        model: 'Meta-Llama-3-8B-Instruct',
        ...userTurn('tell me a joke'),
      } as InferenceRequest,
    ],
  ];
  it.each(cases)('%s', (_name, route, body, expected) => {
    expect(route.parse(body, ctx).request).toEqual(expected);
  });
});

describe('Ollama /api/chat → canonical', () => {
  it('maps options, format, images, tools, tool history, think and logprobs', () => {
    const req = chat.parse(
      {
        model: 'qwen3',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'what is this?', images: [PNG, JPEG] },
          {
            role: 'assistant',
            content: '',
            thinking: 'look it up',
            tool_calls: [{ function: { name: 'lookup', arguments: { q: 'cat', n: 2 } } }],
          },
          { role: 'tool', content: 'a cat', tool_name: 'lookup' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'lookup', description: 'search', parameters: { type: 'object' } },
          },
        ],
        format: 'json',
        options: {
          num_predict: 64,
          temperature: 0.2,
          top_p: 0.9,
          top_k: 40,
          min_p: 0.05,
          typical_p: 0.7,
          repeat_penalty: 1.1,
          presence_penalty: 0.5,
          frequency_penalty: 0.25,
          seed: 7,
          stop: ['END', '###'],
          num_ctx: 8192,
          num_gpu: 99,
        },
        think: 'high',
        logprobs: true,
        top_logprobs: 3,
        keep_alive: '10m',
        truncate: true,
        shift: false,
      },
      ctx,
    ).request;
    expect(req).toEqual({
      ...base,
      kind: 'chat',
      model: 'qwen3',
      modalities: ['text', 'image'],
      extra: { think: 'high' },
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: `data:image/png;base64,${PNG}` },
            { type: 'image', url: `data:image/jpeg;base64,${JPEG}` },
          ],
        },
        {
          role: 'assistant',
          content: null,
          reasoning: 'look it up',
          toolCalls: [{ id: 'call_2_0', name: 'lookup', arguments: '{"q":"cat","n":2}' }],
        },
        { role: 'tool', content: 'a cat', name: 'lookup', toolCallId: 'call_2_0' },
      ],
      tools: [{ name: 'lookup', description: 'search', parameters: { type: 'object' } }],
      sampling: {
        stop: ['END', '###'],
        n: 1,
        maxTokens: 64,
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        typicalP: 0.7,
        repetitionPenalty: 1.1,
        presencePenalty: 0.5,
        frequencyPenalty: 0.25,
        seed: 7,
        logprobs: { top: 3 },
        responseFormat: { type: 'json_object' },
      },
    });
  });

  it('keeps client tool-call ids and a schema format; -1 means the engine default', () => {
    const req = chat.parse(
      {
        model: 'm',
        messages: [
          {
            role: 'assistant',
            tool_calls: [{ id: 'abc', function: { index: 0, name: 'f', arguments: {} } }],
          },
          { role: 'tool', content: '1', tool_call_id: 'abc' },
        ],
        format: { type: 'object', properties: { a: { type: 'string' } } },
        options: { num_predict: -1, seed: -1 },
        think: false,
        stream: false,
      },
      ctx,
    ).request;
    expect(req).toMatchObject({
      stream: false,
      extra: { think: false },
      messages: [
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: 'abc', name: 'f', arguments: '{}' }],
        },
        { role: 'tool', content: '1', toolCallId: 'abc', name: 'f' },
      ],
      sampling: {
        stop: [],
        n: 1,
        responseFormat: {
          type: 'json_schema',
          schema: { type: 'object', properties: { a: { type: 'string' } } },
        },
      },
    });
    // -1 is "the engine's limit", made concrete by the gateway's request caps (limits.ts).
    expect(req.sampling.maxTokens).toBe(ENGINE_LIMIT_TOKENS);
    expect(req.sampling).not.toHaveProperty('seed');
  });

  it('empty messages are a load request: a one-token probe the encoder answers as "load"', () => {
    const load = chat.parse({ model: 'm', messages: [] }, ctx);
    expect(load.request).toEqual({
      ...base,
      model: 'm',
      ...userTurn(''),
      sampling: { stop: [], n: 1, maxTokens: 1 },
    });
    expect(load.facts.load).toBe('load');
    expect(chat.parse({ model: 'm', keep_alive: 0 }, ctx).facts.load).toBe('unload');
    expect(chat.parse({ model: 'm', keep_alive: '0s' }, ctx).facts.load).toBe('unload');
  });

  it.each([
    [{ messages: [] }, "Invalid value for 'model': is required", 'model'],
    [{ model: 'm', messages: [{ role: 'robot', content: 'x' }] }, undefined, 'messages[0].role'],
    [{ model: 'm', top_logprobs: 21 }, undefined, 'top_logprobs'],
    [{ model: 'm', think: 'extreme' }, undefined, 'think'],
    [
      { model: 'm', messages: [{ role: 'user', content: 'x', images: ['not base64!'] }] },
      undefined,
      'messages[0].images[0]',
    ],
  ])('refuses %j with a 400 naming the field', (body, message, param) => {
    const err = parseError(chat, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    if (message) expect(err.message).toBe(message);
  });
});

describe('Ollama /api/generate → canonical', () => {
  it('a context this gateway returned becomes the earlier turns; its history grows by the prompt', () => {
    const context = encodeContext([
      { role: 'user', content: 'why is the sky blue?' },
      { role: 'assistant', content: 'Rayleigh scattering.' },
    ]);
    const { request, facts } = generate.parse(
      { model: 'm', prompt: 'and at sunset?', system: 'be brief', context },
      ctx,
    );
    const turns = [
      { role: 'user', content: 'why is the sky blue?' },
      { role: 'assistant', content: 'Rayleigh scattering.' },
      { role: 'user', content: 'and at sunset?' },
    ];
    expect(request).toMatchObject({
      kind: 'chat',
      messages: [{ role: 'system', content: 'be brief' }, ...turns],
    });
    expect(facts.history).toEqual(turns);
  });

  it.each([
    ['token ids from a real Ollama server', [128000, 882, 271]],
    ['a damaged context', [0x53594354, 1, 300, 1]],
  ])('refuses %s by name, never ignores it', (_what, context) => {
    const err = parseError(generate, { model: 'm', prompt: 'x', context });
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe('context');
    expect(err.message).toMatch(/not returned by this gateway/);
  });

  it('system + prompt + images become a chat turn', () => {
    const req = generate.parse(
      {
        model: 'llava',
        prompt: 'describe',
        system: 'you see',
        images: [GIF],
        template: '{{ .Prompt }}',
      },
      ctx,
    ).request;
    expect(req).toEqual({
      ...base,
      kind: 'chat',
      model: 'llava',
      modalities: ['text', 'image'],
      sampling: { stop: [], n: 1 },
      messages: [
        { role: 'system', content: 'you see' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'describe' },
            { type: 'image', url: `data:image/gif;base64,${GIF}` },
          ],
        },
      ],
    });
  });

  it('raw runs the prompt as written, as a completion', () => {
    const req = generate.parse(
      {
        model: 'm',
        prompt: '<s>[INST] hi [/INST]',
        raw: true,
        options: { num_predict: 5 },
      },
      ctx,
    ).request;
    expect(req).toEqual({
      ...base,
      kind: 'completion',
      model: 'm',
      prompt: '<s>[INST] hi [/INST]',
      modalities: ['text'],
      sampling: { stop: [], n: 1, maxTokens: 5 },
    });
  });

  it("refuses raw with a system prompt in Ollama's words", () => {
    const err = parseError(generate, { model: 'm', prompt: 'x', raw: true, system: 'be brief' });
    expect(ollamaDialect.renderError(err)).toMatchObject({
      status: 400,
      body: { error: 'raw mode does not support template, system, or context' },
    });
  });

  it('an empty prompt loads the model', () => {
    expect(generate.parse({ model: 'm' }, ctx).facts.load).toBe('load');
  });

  it.each([
    [{ model: 'm', prompt: 'x', suffix: 'y' }, 'suffix'],
    [{ model: 'm', prompt: 'x', raw: true, images: [PNG] }, 'images'],
    [{ model: 'm', prompt: 'x', raw: true, system: 'be brief' }, 'raw'],
    [{ model: 'm', prompt: 'x', raw: true, template: '{{ .Prompt }}' }, 'raw'],
    [{ model: 'm', prompt: 'x', raw: true, context: [1, 2] }, 'raw'],
    [{ model: 'm', prompt: 3 }, 'prompt'],
  ])('refuses %j', (body, param) => {
    const err = parseError(generate, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
  });
});
