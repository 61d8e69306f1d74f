import type {
  ChatRequest,
  CompletionRequest,
  ErrorCode,
  SamplingParams,
} from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixture,
  type HttpFixture,
  type RequestOverrides,
} from '@switchyard/testing';
import type { HealthVerdict } from '../engine-adapter';
import { mindieAdapter } from './mindie.adapter';

/** Status and body of a hand-written `.http` response. */
const fixture = (name: string): HttpFixture => httpFixture('mindie', name);

const sampling = (over: Partial<SamplingParams> = {}): SamplingParams => ({
  stop: [],
  n: 1,
  ...over,
});
const base = { id: 'req-1', model: 'qwen3-8b' };
const chat = (over: RequestOverrides<ChatRequest> = {}): ChatRequest =>
  chatRequest({ ...base, ...over });
const completion = (over: RequestOverrides<CompletionRequest> = {}): CompletionRequest =>
  completionRequest({ ...base, prompt: 'The capital of France', ...over });

const STREAMING = { stream: true, stream_options: { include_usage: true } };

describe('mindieAdapter endpoints', () => {
  it('keeps health and load on their own planes', () => {
    expect(mindieAdapter.health).toEqual({ plane: 'management', path: '/health' });
    expect(mindieAdapter.models).toEqual({ plane: 'inference', path: '/v1/models' });
    expect(mindieAdapter.loadSources).toEqual({
      metrics: { plane: 'metrics', path: '/metrics' },
      info: { plane: 'management', path: '/info' },
    });
    expect(mindieAdapter.streamFraming).toBe('sse');
    expect(mindieAdapter).not.toHaveProperty('embeddings');
  });
});

describe('mindieAdapter.buildRequest', () => {
  it('streams a minimal chat through the vLLM-mode route', () => {
    expect(mindieAdapter.buildRequest(chat())).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'qwen3-8b', messages: [{ role: 'user', content: 'hi' }], ...STREAMING },
    });
  });

  it('maps every sampling field, stop, n, logprobs, format, tools and extras', () => {
    const req = chat({
      sampling: sampling({
        temperature: 0.7,
        topP: 0.9,
        topK: 40,
        minP: 0.05,
        typicalP: 0.95,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        repetitionPenalty: 1.1,
        seed: 7,
        maxTokens: 64,
        logitBias: { '42': -100 },
        stop: ['\n\n'],
        n: 2,
        logprobs: { top: 0 },
        responseFormat: { type: 'json_object' },
      }),
      tools: [{ name: 'get_weather', parameters: { type: 'object' } }, { name: 'get_time' }],
      toolChoice: { name: 'get_time' },
      extra: { skip_special_tokens: false, stream: false },
    });
    expect(mindieAdapter.buildRequest(req).body).toEqual({
      model: 'qwen3-8b',
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      min_p: 0.05,
      typical_p: 0.95,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
      repetition_penalty: 1.1,
      seed: 7,
      max_tokens: 64,
      logit_bias: { '42': -100 },
      stop: ['\n\n'],
      n: 2,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [
        { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
        { type: 'function', function: { name: 'get_time' } },
      ],
      // MindIE accepts the object form and filters the tool list itself.
      tool_choice: { type: 'function', function: { name: 'get_time' } },
      logprobs: true,
      // MindIE sends no logprobs for 0 alternatives; the parser trims the one asked for.
      top_logprobs: 1,
      response_format: { type: 'json_object' },
      skip_special_tokens: false,
      // The worker always streams, whatever an extra says.
      ...STREAMING,
    });
  });

  it('samples at OpenAI’s default temperature when n > 1 leaves temperature out', () => {
    const several = (over: Partial<SamplingParams>) =>
      mindieAdapter.buildRequest(chat({ sampling: sampling({ n: 10, ...over }) })).body;
    expect(several({})).toMatchObject({ n: 10, temperature: 1 });
    expect(several({ temperature: 0.3 })).toMatchObject({ n: 10, temperature: 0.3 });
    // Greedy decoding of several choices is the client's explicit ask; the engine refuses it.
    expect(several({ temperature: 0 })).toMatchObject({ n: 10, temperature: 0 });
    expect(mindieAdapter.buildRequest(chat()).body).not.toHaveProperty('temperature');
  });

  it('sends no tool_choice without tools', () => {
    expect(mindieAdapter.buildRequest(chat({ toolChoice: 'none' })).body).not.toHaveProperty(
      'tool_choice',
    );
  });

  it('sends reasoning and tool turns back in the OpenAI shape', () => {
    const req = chat({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          reasoning: 'need the tool',
          toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Xi\'an"}' }],
        },
        { role: 'tool', content: 'sunny', toolCallId: 'call_1' },
      ],
    });
    expect(mindieAdapter.buildRequest(req).body).toMatchObject({
      messages: [
        { role: 'user', content: 'weather?' },
        {
          role: 'assistant',
          content: null,
          reasoning_content: 'need the tool',
          tool_calls: [
            {
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":"Xi\'an"}' },
            },
          ],
        },
        { role: 'tool', content: 'sunny', tool_call_id: 'call_1' },
      ],
    });
  });

  it('asks for one alternative when the client wants the chosen token alone', () => {
    const logprobs = (top: number) => sampling({ logprobs: { top } });
    expect(mindieAdapter.buildRequest(completion({ sampling: logprobs(0) })).body).toMatchObject({
      logprobs: 1,
    });
    const events = mindieAdapter.createStreamParser(chat({ sampling: logprobs(0) })).push(
      JSON.stringify({
        choices: [
          {
            index: 0,
            delta: { content: 'Hi' },
            logprobs: {
              content: [
                {
                  token: 'Hi',
                  logprob: -0.5,
                  bytes: [72, 105],
                  top_logprobs: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105] }],
                },
              ],
            },
            finish_reason: null,
          },
        ],
      }),
    );
    expect(events).toEqual([
      {
        type: 'delta',
        index: 0,
        text: 'Hi',
        logprobs: [{ token: 'Hi', logprob: -0.5, bytes: [72, 105], top: [] }],
      },
    ]);
  });

  it('streams a completion with the legacy integer logprobs', () => {
    const req = completion({ sampling: sampling({ maxTokens: 5, logprobs: { top: 2 } }) });
    expect(mindieAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/completions',
      body: {
        model: 'qwen3-8b',
        max_tokens: 5,
        prompt: 'The capital of France',
        logprobs: 2,
        ...STREAMING,
      },
    });
  });
});

describe('mindieAdapter.parseError', () => {
  it.each<[string, ErrorCode, string]>([
    ['error-400-bad-request.http', 'SY_ENGINE_REJECTED', 'Request body is empty'],
    ['error-404-not-found.http', 'SY_ENGINE_REJECTED', 'RequestId is 1001 not found.'],
    [
      'error-422-validation.http',
      'SY_ENGINE_REJECTED',
      'Not found given model, please check modelName in config file.',
    ],
    [
      'error-422-nested.http',
      'SY_ENGINE_REJECTED',
      'best_of/n can not greater than 1 without using beam search when temperature is 0 or not set, but best_of is None, n is 2.',
    ],
    ['error-424-generation.http', 'SY_ENGINE_ERROR', 'Failed to generate infer request'],
    ['error-500-incomplete.http', 'SY_ENGINE_ERROR', 'Failed to generate simulate infer request'],
    ['error-503-stopped.http', 'SY_ENGINE_UNAVAILABLE', 'The service has been stopped'],
    ['error-503-empty.http', 'SY_ENGINE_UNAVAILABLE', 'engine answered HTTP 503'],
  ])('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(mindieAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it.each<[number, string, ErrorCode, string]>([
    [502, '<html>Bad Gateway</html>', 'SY_ENGINE_ERROR', 'engine answered HTTP 502'],
    [
      422,
      '{"error":"","error_type":"validation"}',
      'SY_ENGINE_REJECTED',
      'engine answered HTTP 422',
    ],
    [422, '{"error":"{\\"Code\\":1}"}', 'SY_ENGINE_REJECTED', '{"Code":1}'],
    [400, '{"error":{"message":"bad","type":"x"}}', 'SY_ENGINE_REJECTED', 'bad'],
  ])('maps HTTP %p %s', (status, body, code, message) => {
    expect(mindieAdapter.parseError(status, body)).toEqual({ code, message });
  });
});

describe('mindieAdapter.interpretHealth', () => {
  it.each<[string, HealthVerdict]>([
    ['health-200.http', { ready: true }],
    ['health-503-not-ready.http', { ready: false, reason: 'service not ready' }],
    ['health-503-stopped.http', { ready: false, reason: 'service stopped' }],
    // /info is the fallback health probe; a ready engine answers it with its info.
    ['info.http', { ready: true }],
  ])('reads %s', (name, verdict) => {
    const { status, body } = fixture(name);
    expect(mindieAdapter.interpretHealth(status, body)).toEqual(verdict);
  });

  it.each<[number, string, HealthVerdict]>([
    [503, ' \n', { ready: false, reason: 'service not ready' }],
    [
      503,
      '{"error":"busy","error_type":"Service Unavailable"}',
      { ready: false, reason: 'HTTP 503: busy' },
    ],
    [
      500,
      '{"error":"Failed to generate simulate infer request","error_type":"Incomplete Generation"}',
      { ready: false, reason: 'HTTP 500: Failed to generate simulate infer request' },
    ],
    [404, '', { ready: false, reason: 'HTTP 404' }],
    [500, 'x'.repeat(300), { ready: false, reason: 'HTTP 500' }],
  ])('reads HTTP %p %p', (status, body, verdict) => {
    expect(mindieAdapter.interpretHealth(status, body)).toEqual(verdict);
  });
});

describe('mindieAdapter.parseModels', () => {
  const json = (name: string): unknown => JSON.parse(fixture(name).body) as unknown;

  it.each<[string, unknown, string[]]>([
    ['the /v1/models listing', json('v1-models.http'), ['qwen3-8b']],
    ['an /info-shaped body', json('info.http'), ['qwen3-8b']],
    ['an empty listing', { object: 'list', data: [] }, []],
    ['garbage', [1, 2, 3], []],
    ['entries without ids', { data: [{ object: 'model' }, { id: '' }, { id: 'b' }] }, ['b']],
  ])('reads %s', (_name, body, ids) => {
    expect(mindieAdapter.parseModels(body)).toEqual(ids);
  });
});
