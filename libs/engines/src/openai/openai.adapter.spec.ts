import type { ChatRequest, CompletionRequest, StreamEvent } from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixtureAt,
  parseStreamInChunks,
  type RequestOverrides,
} from '@switchyard/testing';
import { openaiAdapter } from './openai.adapter';
import { openAiEmbeddings } from '../openai-compatible/openai-embeddings.codec';
import { createRecordReader } from '../shared/record-readers';

/** A fixture response (`openai/…` or `vllm/…`): its status and body. */
const fixture = httpFixtureAt;

const base = { model: 'gpt-4o-mini', stream: true, includeUsage: true };
const chat = (over: RequestOverrides<ChatRequest> = {}): ChatRequest =>
  chatRequest({ ...base, ...over });
const completion = (over: RequestOverrides<CompletionRequest> = {}): CompletionRequest =>
  completionRequest({ ...base, ...over });
const STREAMING = { stream: true, stream_options: { include_usage: true } };

/** A fixture body through a streaming decoder, the SSE reader and the parser, in fixed-size chunks. */
const parseFixture = (name: string, chunkSize: number): StreamEvent[] =>
  parseStreamInChunks(
    { adapter: openaiAdapter, createRecordReader },
    chat(),
    fixture(name).bytes,
    chunkSize,
  );

const text = (t: string): StreamEvent => ({ type: 'delta', index: 0, text: t });

describe('openaiAdapter.buildRequest', () => {
  it('sends only OpenAI fields: engine-only sampling and extras stay out', () => {
    const req = chat({
      tools: [{ name: 'a' }, { name: 'b' }],
      toolChoice: { name: 'b' },
      sampling: {
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        typicalP: 1,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        repetitionPenalty: 1.1,
        seed: 7,
        maxTokens: 64,
        stop: ['\n'],
        n: 1,
        logprobs: { top: 3 },
        logitBias: { '15043': -100 },
        responseFormat: { type: 'json_object' },
      },
      extra: { ignore_eos: true },
    });
    expect(openaiAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'hi' }],
        tools: [
          { type: 'function', function: { name: 'a' } },
          { type: 'function', function: { name: 'b' } },
        ],
        tool_choice: { type: 'function', function: { name: 'b' } },
        temperature: 0.2,
        top_p: 0.9,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        seed: 7,
        max_tokens: 64,
        stop: ['\n'],
        logprobs: true,
        top_logprobs: 3,
        logit_bias: { '15043': -100 },
        response_format: { type: 'json_object' },
        ...STREAMING,
      },
    });
  });

  it('maps a completion request onto /v1/completions', () => {
    const req = completion({ sampling: { stop: [], n: 3, maxTokens: 16, logprobs: { top: 1 } } });
    expect(openaiAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/completions',
      body: {
        model: 'gpt-4o-mini',
        prompt: 'Once',
        n: 3,
        max_tokens: 16,
        logprobs: 1,
        ...STREAMING,
      },
    });
  });
});

describe('openaiAdapter stream parser', () => {
  const CASES: [string, StreamEvent[]][] = [
    [
      // Hosted OpenAI: `usage: null` on every chunk, `obfuscation` padding, detailed usage at the end.
      'openai/chat-stream.http',
      [
        text('Bonjour'),
        text(' à tous !'),
        {
          type: 'usage',
          promptTokens: 12,
          completionTokens: 4,
          cachedTokens: 0,
          reasoningTokens: 0,
        },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ],
    ],
    [
      'openai/chat-stream-content-filter.http',
      [
        text('I can'),
        { type: 'usage', promptTokens: 30, completionTokens: 2 },
        { type: 'done', choices: [{ index: 0, finishReason: 'content_filter' }] },
      ],
    ],
    [
      // A string `code` says nothing about the status; the `type` does. No `[DONE]` follows.
      'openai/chat-stream-midstream-error.http',
      [
        text('Sure'),
        {
          type: 'error',
          code: 'SY_ENGINE_ERROR',
          message: 'The server had an error while processing your request. Sorry about that!',
          retryable: true,
          afterOutput: true,
        },
      ],
    ],
    // Servers of the vLLM family (SGLang among them) stream the same shapes.
    [
      'vllm/chat-stream-reasoning.http',
      [
        { type: 'delta', index: 0, reasoning: 'Okay' },
        { type: 'delta', index: 0, reasoning: ', the user wants 2+2.' },
        { type: 'delta', index: 0, reasoning: ' That is 4.' },
        text('2 + 2 = '),
        text('4 ✅'),
        { type: 'usage', promptTokens: 14, completionTokens: 38 },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ],
    ],
    [
      'vllm/chat-stream-abort.http',
      [
        text('The first'),
        text(' step is'),
        {
          type: 'error',
          code: 'SY_STREAM_INTERRUPTED',
          message: 'engine aborted the request',
          retryable: false,
          afterOutput: true,
        },
      ],
    ],
  ];

  it.each(
    CASES.flatMap(([name, events]) => [1, 3, 64, Infinity].map((n) => [name, n, events] as const)),
  )('reads %s in %p-byte chunks', (name, size, events) => {
    expect(parseFixture(name, size)).toEqual(events);
  });
});

describe('openaiAdapter.parseError', () => {
  it.each([
    [
      'openai/error-401.http',
      'SY_ENGINE_REJECTED',
      'Incorrect API key provided: sk-proj-********************abcd. You can find your API key at https://platform.openai.com/account/api-keys.',
    ],
    // A rate limit means this engine is busy (retryable elsewhere) and keeps its words.
    [
      'openai/error-429.http',
      'SY_ENGINE_UNAVAILABLE',
      'Rate limit reached for gpt-4o-mini in organization org-abc123 on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
    ],
    [
      'vllm/error-400-flat.http',
      'SY_ENGINE_REJECTED',
      'top_logprobs must be a non-negative integer, got -1.',
    ],
  ])('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(openaiAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it('maps a 503 without a body', () => {
    expect(openaiAdapter.parseError(503, '')).toEqual({
      code: 'SY_ENGINE_UNAVAILABLE',
      message: 'engine answered HTTP 503',
    });
  });
});

describe('openaiAdapter health and models', () => {
  it('probes the model list and counts any 2xx as ready', () => {
    expect(openaiAdapter.health).toEqual({ plane: 'inference', path: '/v1/models' });
    const { status, body } = fixture('openai/v1-models.http');
    expect(openaiAdapter.interpretHealth(status, body)).toEqual({ ready: true });
  });

  it('says why it is not ready, briefly', () => {
    const { status, body } = fixture('openai/error-401.http');
    const verdict = openaiAdapter.interpretHealth(status, body);
    expect(verdict).toEqual({
      ready: false,
      reason: expect.stringMatching(/^HTTP 401: Incorrect API key provided: .*…$/) as unknown,
    });
    expect(verdict.reason?.length).toBeLessThanOrEqual(130);
    expect(openaiAdapter.interpretHealth(404, 'Not Found')).toEqual({
      ready: false,
      reason: 'HTTP 404',
    });
  });

  it.each([
    ['openai/v1-models.http', ['gpt-4o-mini', 'text-embedding-3-small']],
    ['vllm/v1-models.http', ['Qwen/Qwen3-8B', 'sql-lora']],
  ])('reads the model ids of %s', (name, ids) => {
    expect(openaiAdapter.parseModels(JSON.parse(fixture(name).body))).toEqual(ids);
  });

  it('reads LM Studio’s model list', () => {
    const body = {
      data: [{ id: 'qwen2.5-7b-instruct', object: 'model', owned_by: 'organization_owner' }],
      object: 'list',
    };
    expect(openaiAdapter.parseModels(body)).toEqual(['qwen2.5-7b-instruct']);
  });
});

describe('openaiAdapter load and embeddings', () => {
  it('scrapes nothing and reports no load figures: the worker derives them', () => {
    expect(openaiAdapter.loadSources).toEqual({});
    expect(openaiAdapter.parseLoad({})).toEqual({});
    expect(openaiAdapter).not.toHaveProperty('parseCounters');
  });

  it('embeds through the shared /v1/embeddings codec', () => {
    expect(openaiAdapter.embeddings).toBe(openAiEmbeddings);
  });
});
