import type { ChatRequest, CompletionRequest, SamplingParams } from '@switchyard/contracts';
import { chatRequest, completionRequest, httpFixture, type HttpFixture } from '@switchyard/testing';
import { ollamaAdapter } from './ollama.adapter';

/** A hand-written fixture; for `.http` files, the status and the body. */
const fixture = (name: string): HttpFixture => httpFixture('ollama', name);

const base = { model: 'qwen3:8b' };
const chat = (
  sampling: Partial<SamplingParams> = {},
  over: Partial<ChatRequest> = {},
): ChatRequest => chatRequest({ ...base, sampling, ...over });
const completion = (
  sampling: Partial<SamplingParams> = {},
  over: Partial<CompletionRequest> = {},
): CompletionRequest =>
  completionRequest({ ...base, prompt: 'Why is the sky blue?', sampling, ...over });

const TOOLS = [
  { name: 'get_weather', description: 'weather', parameters: { type: 'object' } },
  { name: 'get_time' },
];
const OLLAMA_TOOLS = [
  {
    type: 'function',
    function: { name: 'get_weather', description: 'weather', parameters: { type: 'object' } },
  },
  { type: 'function', function: { name: 'get_time' } },
];

describe('ollamaAdapter.buildRequest: chat → POST /api/chat', () => {
  it('maps messages, images, tool history, options, format and extra fields', () => {
    const req = chat(
      {
        temperature: 0.6,
        topP: 0.95,
        topK: 20,
        minP: 0.05,
        typicalP: 0.9,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        repetitionPenalty: 1.1,
        seed: 7,
        maxTokens: 256,
        logitBias: { '15043': -100 },
        stop: ['</s>'],
        n: 1,
        logprobs: { top: 2 },
        responseFormat: { type: 'json_schema', schema: { type: 'object' } },
      },
      {
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'compare ' },
              { type: 'image', url: 'data:image/png;base64,iVBORw0KGgo=' },
              { type: 'text', text: 'with this' },
              { type: 'image', url: 'https://example.com/cat.png' },
            ],
            name: 'ann',
          },
          {
            role: 'assistant',
            content: null,
            reasoning: 'they want weather',
            toolCalls: [{ id: 'c1', name: 'get_weather', arguments: '{"city":"Oslo"}' }],
          },
          { role: 'tool', content: '-3 °C', toolCallId: 'c1' },
        ],
        tools: TOOLS,
        toolChoice: 'auto',
        extra: { think: true, keep_alive: '10m', options: { num_ctx: 8192 }, stream: false },
      },
    );
    expect(ollamaAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/api/chat',
      body: {
        model: 'qwen3:8b',
        messages: [
          { role: 'system', content: 'be brief' },
          { role: 'user', content: 'compare with this', images: ['iVBORw0KGgo='] },
          {
            role: 'assistant',
            content: '',
            thinking: 'they want weather',
            tool_calls: [
              { id: 'c1', function: { name: 'get_weather', arguments: { city: 'Oslo' } } },
            ],
          },
          { role: 'tool', content: '-3 °C', tool_call_id: 'c1', tool_name: 'get_weather' },
        ],
        tools: OLLAMA_TOOLS,
        options: {
          temperature: 0.6,
          top_p: 0.95,
          top_k: 20,
          min_p: 0.05,
          typical_p: 0.9,
          frequency_penalty: 0.1,
          presence_penalty: 0.2,
          repeat_penalty: 1.1,
          seed: 7,
          num_predict: 256,
          stop: ['</s>'],
          num_ctx: 8192,
        },
        format: { type: 'object' },
        logprobs: true,
        top_logprobs: 2,
        think: true,
        keep_alive: '10m',
        stream: true,
      },
    });
  });

  it.each<[string, ChatRequest['toolChoice'], unknown]>([
    ['offers every tool for auto', 'auto', OLLAMA_TOOLS],
    ['offers every tool for required, which Ollama cannot force', 'required', OLLAMA_TOOLS],
    ['offers only the named function', { name: 'get_time' }, [OLLAMA_TOOLS[1]]],
    ['offers no tools for none', 'none', undefined],
  ])('%s', (_name, toolChoice, tools) => {
    const body = ollamaAdapter.buildRequest(chat({}, { tools: TOOLS, toolChoice })).body;
    expect((body as Record<string, unknown>).tools).toEqual(tools);
  });

  it('sends a minimal body without options when nothing is set', () => {
    expect(ollamaAdapter.buildRequest(chat()).body).toEqual({
      model: 'qwen3:8b',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
  });

  it('sends tool arguments that are not a JSON object as they are', () => {
    const req = chat(
      {},
      {
        messages: [
          {
            role: 'assistant',
            content: 'x',
            toolCalls: [{ id: 'c1', name: 'f', arguments: 'not json' }],
          },
        ],
      },
    );
    expect(ollamaAdapter.buildRequest(req).body).toMatchObject({
      messages: [{ tool_calls: [{ id: 'c1', function: { name: 'f', arguments: 'not json' } }] }],
    });
  });
});

describe('ollamaAdapter.buildRequest: completion → POST /api/generate', () => {
  it.each<[string, Partial<SamplingParams>, Record<string, unknown>]>([
    ['JSON mode', { responseFormat: { type: 'json_object' } }, { format: 'json' }],
    ['a schema-less json_schema', { responseFormat: { type: 'json_schema' } }, { format: 'json' }],
    ['plain text', { responseFormat: { type: 'text' } }, {}],
    [
      'stop and a token limit',
      { stop: ['\n'], maxTokens: 5 },
      { options: { num_predict: 5, stop: ['\n'] } },
    ],
    ['logprobs of the chosen token', { logprobs: { top: 0 } }, { logprobs: true }],
  ])('maps %s', (_name, sampling, fields) => {
    expect(ollamaAdapter.buildRequest(completion(sampling))).toEqual({
      method: 'POST',
      path: '/api/generate',
      body: {
        model: 'qwen3:8b',
        prompt: 'Why is the sky blue?',
        raw: true,
        ...fields,
        stream: true,
      },
    });
  });

  it('sends the prompt raw, so Ollama continues it as every engine does, not templated', () => {
    expect(ollamaAdapter.buildRequest(completion({})).body).toMatchObject({ raw: true });
  });

  it('passes engine fields through and takes options from extra alone', () => {
    const req = completion({}, { extra: { raw: true, options: { num_ctx: 2048 } } });
    expect(ollamaAdapter.buildRequest(req).body).toEqual({
      model: 'qwen3:8b',
      prompt: 'Why is the sky blue?',
      raw: true,
      options: { num_ctx: 2048 },
      stream: true,
    });
  });
});

describe('ollamaAdapter.parseError', () => {
  it.each([
    ['error-no-thinking.http', 'SY_ENGINE_REJECTED', '"llama3.1:8b" does not support thinking'],
    [
      'error-bad-json.http',
      'SY_ENGINE_REJECTED',
      "invalid character '}' looking for beginning of object key string",
    ],
    [
      'error-model-not-found.http',
      'SY_ENGINE_REJECTED',
      'model "llama9:70b" not found, try pulling it first',
    ],
    [
      'error-rate-limit.http',
      'SY_ENGINE_UNAVAILABLE',
      'you (alice) have reached your hourly usage limit, please upgrade to continue',
    ],
    ['error-cancelled.http', 'SY_CANCELLED', 'request canceled'],
    [
      'error-memory.http',
      'SY_ENGINE_ERROR',
      'model requires more system memory (11.2 GiB) than is available (7.8 GiB)',
    ],
    ['error-cloud.http', 'SY_ENGINE_ERROR', 'unable to reach cloud model gpt-oss:120b-cloud'],
    [
      'error-busy.http',
      'SY_ENGINE_UNAVAILABLE',
      'server busy, please try again.  maximum pending requests exceeded',
    ],
  ] as const)('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(ollamaAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it.each([
    [500, '', 'SY_ENGINE_ERROR'],
    [404, '404 page not found', 'SY_ENGINE_REJECTED'],
  ] as const)('falls back to the status for HTTP %p %p', (status, body, code) => {
    expect(ollamaAdapter.parseError(status, body)).toEqual({
      code,
      message: `engine answered HTTP ${status}`,
    });
  });
});

describe('ollamaAdapter.interpretHealth', () => {
  it.each([
    ['version.http', { ready: true }],
    ['root.http', { ready: true }],
  ])('reads %s as ready', (name, verdict) => {
    const { status, body } = fixture(name);
    expect(ollamaAdapter.interpretHealth(status, body)).toEqual(verdict);
  });

  it.each([
    [500, '{"error":"something went wrong"}', 'HTTP 500: something went wrong'],
    [404, '404 page not found', 'HTTP 404'],
  ])('reads HTTP %p as not ready', (status, body, reason) => {
    expect(ollamaAdapter.interpretHealth(status, body)).toEqual({ ready: false, reason });
  });
});

describe('ollamaAdapter endpoints and models', () => {
  it('reads everything from the inference address, as NDJSON', () => {
    expect(ollamaAdapter.health).toEqual({ plane: 'inference', path: '/api/version' });
    expect(ollamaAdapter.models).toEqual({ plane: 'inference', path: '/api/tags' });
    expect(ollamaAdapter.loadSources).toEqual({ ps: { plane: 'inference', path: '/api/ps' } });
    expect(ollamaAdapter.streamFraming).toBe('ndjson');
  });

  it('lists the models of /api/tags, `:latest` ones also without the tag', () => {
    expect(ollamaAdapter.parseModels(JSON.parse(fixture('tags.json').body))).toEqual([
      'llama3.1:8b',
      'qwen3:latest',
      'nomic-embed-text:latest',
      'qwen3',
      'nomic-embed-text',
    ]);
  });

  it.each([null, 'x', {}, { models: 'x' }, { models: [{ name: 3 }, null, { name: '' }] }])(
    'lists nothing for %p',
    (body) => {
      expect(ollamaAdapter.parseModels(body)).toEqual([]);
    },
  );
});
