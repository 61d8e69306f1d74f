import {
  ERROR_CODES,
  type ChatRequest,
  type CompletionRequest,
  type SamplingParams,
} from '@switchyard/contracts';
import { chatRequest, completionRequest, httpFixture, type HttpFixture } from '@switchyard/testing';
import { tgiAdapter } from './tgi.adapter';

/** A hand-written fixture; for `.http` files, the status and the body. */
const fixture = (name: string): HttpFixture => httpFixture('tgi', name);

const base = { model: 'meta-llama/Llama-3.1-8B-Instruct' };
const chat = (
  sampling: Partial<SamplingParams> = {},
  over: Partial<ChatRequest> = {},
): ChatRequest => chatRequest({ ...base, sampling, ...over });
const completion = (
  sampling: Partial<SamplingParams> = {},
  over: Partial<CompletionRequest> = {},
): CompletionRequest => completionRequest({ ...base, sampling, ...over });

const STREAMING = { stream: true, stream_options: { include_usage: true } };

const EVERY_KNOB: Partial<SamplingParams> = {
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
  logitBias: { '15043': -100 },
  stop: ['\n\n'],
  n: 1,
};

describe('tgiAdapter.buildRequest: chat → POST /v1/chat/completions', () => {
  it('maps messages, tools, logprobs and the knobs the route reads', () => {
    const req = chat(
      { ...EVERY_KNOB, logprobs: { top: 3 } },
      {
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image', url: 'https://example.com/cat.png' },
            ],
          },
          {
            role: 'assistant',
            content: null,
            toolCalls: [{ id: 'c1', name: 'look', arguments: '{"x":1}' }],
          },
          { role: 'tool', content: 'a cat', toolCallId: 'c1' },
        ],
        tools: [{ name: 'look', description: 'looks', parameters: { type: 'object' } }],
        toolChoice: { name: 'look' },
        extra: { top_n_tokens: 5, stream: false },
      },
    );
    expect(tgiAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model: 'tgi',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
            ],
          },
          { role: 'tool', content: 'a cat', tool_call_id: 'c1' },
        ],
        temperature: 0.7,
        top_p: 0.9,
        frequency_penalty: 0.1,
        seed: 7,
        max_tokens: 64,
        stop: ['\n\n'],
        tools: [
          {
            type: 'function',
            function: { name: 'look', description: 'looks', parameters: { type: 'object' } },
          },
        ],
        tool_choice: { type: 'function', function: { name: 'look' } },
        logprobs: true,
        top_logprobs: 3,
        top_n_tokens: 5,
        ...STREAMING,
      },
    });
  });

  it.each<[string, Partial<SamplingParams>, Record<string, unknown>]>([
    [
      'temperature 0 stays (TGI maps it to greedy) and drops the sampler knobs',
      { temperature: 0, topP: 0.5, topK: 5 },
      { temperature: 0 },
    ],
    [
      'neutral values TGI would reject are left out',
      { topP: 1, seed: -1, temperature: 1 },
      { temperature: 1 },
    ],
    [
      'a JSON schema becomes TGI grammar',
      { responseFormat: { type: 'json_schema', name: 'x', schema: { type: 'array' } } },
      { response_format: { type: 'json', value: { type: 'array' } } },
    ],
    [
      'JSON mode becomes a grammar for any object',
      { responseFormat: { type: 'json_object' } },
      { response_format: { type: 'json', value: { type: 'object' } } },
    ],
    ['plain text needs no grammar', { responseFormat: { type: 'text' } }, {}],
    ['logprobs without alternatives', { logprobs: { top: 0 } }, { logprobs: true }],
  ])('%s', (_name, sampling, fields) => {
    const body = tgiAdapter.buildRequest(chat(sampling)).body;
    expect(body).toEqual({
      model: 'tgi',
      messages: [{ role: 'user', content: 'hi' }],
      ...fields,
      ...STREAMING,
    });
  });

  it('sends tool_choice only with tools', () => {
    expect(tgiAdapter.buildRequest(chat({}, { toolChoice: 'required' })).body).not.toHaveProperty(
      'tool_choice',
    );
  });
});

describe('tgiAdapter.buildRequest: completion → POST /generate_stream', () => {
  it('maps every knob TGI has into parameters and asks for details', () => {
    const req = completion(
      { ...EVERY_KNOB, logprobs: { top: 2 }, responseFormat: { type: 'json_object' } },
      { extra: { watermark: true, details: false } },
    );
    expect(tgiAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/generate_stream',
      body: {
        inputs: 'Once',
        parameters: {
          temperature: 0.7,
          top_p: 0.9,
          top_k: 40,
          typical_p: 0.95,
          frequency_penalty: 0.1,
          repetition_penalty: 1.1,
          seed: 7,
          max_new_tokens: 64,
          do_sample: true,
          stop: ['\n\n'],
          top_n_tokens: 2,
          grammar: { type: 'json', value: { type: 'object' } },
          watermark: true,
          details: true,
        },
      },
    });
  });

  it.each<[string, Partial<SamplingParams>, Record<string, unknown>]>([
    ['no knobs: TGI greedy default', {}, { do_sample: false }],
    [
      'temperature 0: greedy, no sampler knob sent',
      { temperature: 0, topP: 0.9, topK: 40, typicalP: 0.5, repetitionPenalty: 1.2 },
      { repetition_penalty: 1.2, do_sample: false },
    ],
    ['one sampler knob turns sampling on', { topK: 20 }, { top_k: 20, do_sample: true }],
    [
      'neutral values are left out',
      { topP: 1, typicalP: 1, topK: 0, seed: -1 },
      { do_sample: false },
    ],
    ['a seed alone does not sample', { seed: 3 }, { seed: 3, do_sample: false }],
    ['logprobs of the chosen token only', { logprobs: { top: 0 } }, { do_sample: false }],
  ])('%s', (_name, sampling, parameters) => {
    expect(tgiAdapter.buildRequest(completion(sampling)).body).toEqual({
      inputs: 'Once',
      parameters: { ...parameters, details: true },
    });
  });
});

describe('tgiAdapter.parseError', () => {
  it.each([
    [
      'error-validation.http',
      'SY_ENGINE_REJECTED',
      'Input validation error: `temperature` must be strictly positive',
    ],
    [
      'error-template.http',
      'SY_ENGINE_REJECTED',
      'Template error: Conversation roles must alternate user/assistant/user/assistant/...',
    ],
    [
      'error-generation.http',
      'SY_ENGINE_ERROR',
      'Request failed during generation: Server error: CUDA out of memory. Tried to allocate 2.00 GiB',
    ],
    ['error-overloaded.http', 'SY_ENGINE_UNAVAILABLE', 'Model is overloaded'],
    ['error-incomplete.http', 'SY_ENGINE_ERROR', 'Incomplete generation'],
    ['health-unhealthy.http', 'SY_ENGINE_UNAVAILABLE', 'unhealthy'],
  ] as const)('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(tgiAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it('lets an overloaded engine be retried on another node', () => {
    const { status, body } = fixture('error-overloaded.http');
    expect(ERROR_CODES[tgiAdapter.parseError(status, body).code].retryable).toBe(true);
  });

  it.each([
    [502, '<html>bad gateway</html>', 'SY_ENGINE_ERROR'],
    [404, 'Not Found', 'SY_ENGINE_REJECTED'],
    [503, '', 'SY_ENGINE_UNAVAILABLE'],
  ] as const)('falls back to the status for HTTP %p %p', (status, body, code) => {
    expect(tgiAdapter.parseError(status, body)).toEqual({
      code,
      message: `engine answered HTTP ${status}`,
    });
  });
});

describe('tgiAdapter.interpretHealth', () => {
  it.each([
    ['health-ok.http', { ready: true }],
    ['health-unhealthy.http', { ready: false, reason: 'HTTP 503: unhealthy' }],
  ])('reads %s', (name, verdict) => {
    const { status, body } = fixture(name);
    expect(tgiAdapter.interpretHealth(status, body)).toEqual(verdict);
  });

  it('names the status when the body says nothing', () => {
    expect(tgiAdapter.interpretHealth(404, '<html>no</html>')).toEqual({
      ready: false,
      reason: 'HTTP 404',
    });
  });
});

describe('tgiAdapter endpoints and models', () => {
  it('reads health, models and load from the inference address, and has no embeddings', () => {
    expect(tgiAdapter.health).toEqual({ plane: 'inference', path: '/health' });
    expect(tgiAdapter.models).toEqual({ plane: 'inference', path: '/info' });
    expect(tgiAdapter.loadSources).toEqual({
      metrics: { plane: 'inference', path: '/metrics' },
      info: { plane: 'inference', path: '/info' },
    });
    expect(tgiAdapter.streamFraming).toBe('sse');
    expect('embeddings' in tgiAdapter).toBe(false);
  });

  it('lists the one model of /info', () => {
    expect(tgiAdapter.parseModels(JSON.parse(fixture('info.json').body))).toEqual([
      'meta-llama/Llama-3.1-8B-Instruct',
    ]);
  });

  it.each([null, 'x', {}, { model_id: 3 }, { model_id: '' }])('lists nothing for %p', (body) => {
    expect(tgiAdapter.parseModels(body)).toEqual([]);
  });
});
