import type { ChatRequest, CompletionRequest } from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixture,
  type HttpFixture,
  type RequestOverrides,
} from '@switchyard/testing';
import { openAiEmbeddings } from '../openai-compatible/openai-embeddings.codec';
import { vllmAdapter } from './vllm.adapter';

/** A fixture response's status and body. */
const fixture = (name: string): HttpFixture => httpFixture('vllm', name);

const base = { model: 'Qwen/Qwen3-8B', priority: 5 };
const chat = (over: RequestOverrides<ChatRequest> = {}): ChatRequest =>
  chatRequest({ ...base, ...over });
const completion = (over: RequestOverrides<CompletionRequest> = {}): CompletionRequest =>
  completionRequest({ ...base, ...over });

const STREAMING = { stream: true, stream_options: { include_usage: true } };

describe('vllmAdapter.buildRequest', () => {
  it('maps a full chat request onto /v1/chat/completions with vLLM sampling extras', () => {
    const req = chat({
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: 'https://example.com/cat.png', detail: 'high' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          toolCalls: [{ id: 'c1', name: 'look', arguments: '{"x":1}' }],
          reasoning: 'hmm',
        },
        { role: 'tool', content: 'a cat', toolCallId: 'c1' },
      ],
      tools: [{ name: 'look', description: 'looks', parameters: { type: 'object' } }],
      toolChoice: 'required',
      sampling: {
        temperature: 0.6,
        topP: 0.95,
        topK: 20,
        minP: 0,
        typicalP: 0.9,
        frequencyPenalty: 0.1,
        presencePenalty: 0.2,
        repetitionPenalty: 1.05,
        seed: 7,
        maxTokens: 256,
        stop: ['</answer>'],
        n: 2,
        logprobs: { top: 0 },
        logitBias: { '151643': -100 },
        responseFormat: { type: 'json_schema', name: 'pick', schema: { type: 'object' } },
      },
      extra: { ignore_eos: true },
    });
    expect(vllmAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model: 'Qwen/Qwen3-8B',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              {
                type: 'image_url',
                image_url: { url: 'https://example.com/cat.png', detail: 'high' },
              },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'c1', type: 'function', function: { name: 'look', arguments: '{"x":1}' } },
            ],
            reasoning_content: 'hmm',
          },
          { role: 'tool', content: 'a cat', tool_call_id: 'c1' },
        ],
        tools: [
          {
            type: 'function',
            function: { name: 'look', description: 'looks', parameters: { type: 'object' } },
          },
        ],
        tool_choice: 'required',
        temperature: 0.6,
        top_p: 0.95,
        top_k: 20,
        min_p: 0,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        repetition_penalty: 1.05,
        seed: 7,
        max_tokens: 256,
        stop: ['</answer>'],
        n: 2,
        // vLLM returns the chosen token's logprob for 0 alternatives; no need to ask for more.
        logprobs: true,
        top_logprobs: 0,
        logit_bias: { '151643': -100 },
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'pick', schema: { type: 'object' } },
        },
        ignore_eos: true,
        ...STREAMING,
      },
    });
  });

  it('sends a minimal chat request with only what was set (no priority, no typical_p)', () => {
    expect(vllmAdapter.buildRequest(chat())).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'Qwen/Qwen3-8B', messages: [{ role: 'user', content: 'hi' }], ...STREAMING },
    });
  });

  it.each([
    [
      'a named tool: the OpenAI object, tools unchanged',
      { name: 'b' },
      { tool_choice: { type: 'function', function: { name: 'b' } } },
    ],
    ['auto', 'auto' as const, { tool_choice: 'auto' }],
    ['none', 'none' as const, { tool_choice: 'none' }],
  ])('maps tool choice %s', (_name, toolChoice, expected) => {
    const body = vllmAdapter.buildRequest(
      chat({ tools: [{ name: 'a' }, { name: 'b' }], toolChoice }),
    ).body;
    expect(body).toMatchObject({
      tools: [
        { type: 'function', function: { name: 'a' } },
        { type: 'function', function: { name: 'b' } },
      ],
      ...expected,
    });
  });

  it('leaves tools and tool_choice out without tools ("When using `tool_choice`, `tools` must be set")', () => {
    const body = vllmAdapter.buildRequest(chat({ tools: [], toolChoice: 'none' })).body;
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('never lets extras turn streaming or usage off', () => {
    const body = vllmAdapter.buildRequest(
      chat({ extra: { stream: false, stream_options: { include_usage: false }, min_tokens: 4 } }),
    ).body;
    expect(body).toMatchObject({ min_tokens: 4, ...STREAMING });
  });

  it.each([
    ['no format', undefined, {}],
    ['text (the default, not sent)', { type: 'text' as const }, {}],
    ['json_object', { type: 'json_object' as const }, { response_format: { type: 'json_object' } }],
    [
      'json_schema',
      { type: 'json_schema' as const, schema: { type: 'array' }, strict: true },
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'response', schema: { type: 'array' }, strict: true },
        },
      },
    ],
  ])('maps a completion request with %s onto /v1/completions', (_name, responseFormat, format) => {
    const req = completion({
      sampling: { stop: ['.'], n: 1, maxTokens: 5, logprobs: { top: 2 }, responseFormat },
    });
    expect(vllmAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/completions',
      body: {
        model: 'Qwen/Qwen3-8B',
        prompt: 'Once',
        stop: ['.'],
        max_tokens: 5,
        logprobs: 2,
        ...format,
        ...STREAMING,
      },
    });
  });
});

describe('vllmAdapter.parseError', () => {
  it.each([
    [
      'error-400-context.http',
      'SY_ENGINE_REJECTED',
      "This model's maximum context length is 32768 tokens. However, you requested 40960 tokens (36864 in the messages, 4096 in the completion). Please reduce the length of the messages or completion.",
    ],
    [
      'error-400-flat.http',
      'SY_ENGINE_REJECTED',
      'top_logprobs must be a non-negative integer, got -1.',
    ],
    ['error-404-model.http', 'SY_ENGINE_REJECTED', 'The model `gpt-4o` does not exist.'],
    ['error-404-route.http', 'SY_ENGINE_REJECTED', 'Not Found'],
    ['error-500.http', 'SY_ENGINE_ERROR', 'Internal server error'],
  ])('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(vllmAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it.each([
    [503, '', 'SY_ENGINE_UNAVAILABLE', 'engine answered HTTP 503'],
    [502, '<html>bad gateway</html>', 'SY_ENGINE_ERROR', 'engine answered HTTP 502'],
    [500, '{"error":{"message":""}}', 'SY_ENGINE_ERROR', 'engine answered HTTP 500'],
    [422, '{"error":"plain string"}', 'SY_ENGINE_REJECTED', 'plain string'],
  ])('maps HTTP %p %p', (status, body, code, message) => {
    expect(vllmAdapter.parseError(status, body)).toEqual({ code, message });
  });
});

describe('vllmAdapter.interpretHealth', () => {
  it.each([
    ['health-200.http', { ready: true }],
    ['health-503-dead.http', { ready: false, reason: 'engine dead (HTTP 503)' }],
  ])('reads %s', (name, verdict) => {
    const { status, body } = fixture(name);
    expect(vllmAdapter.interpretHealth(status, body)).toEqual(verdict);
  });

  it.each([
    [500, fixture('error-500.http').body, 'HTTP 500: Internal server error'],
    [404, '{"detail":"Not Found"}', 'HTTP 404: Not Found'],
    [502, '', 'HTTP 502'],
  ])('reads HTTP %p as not ready', (status, body, reason) => {
    expect(vllmAdapter.interpretHealth(status, body)).toEqual({ ready: false, reason });
  });

  it('probes /health on the inference address', () => {
    expect(vllmAdapter.health).toEqual({ plane: 'inference', path: '/health' });
  });
});

describe('vllmAdapter.parseModels', () => {
  it('lists the base model and its LoRA adapters from v1-models.http', () => {
    expect(vllmAdapter.parseModels(JSON.parse(fixture('v1-models.http').body))).toEqual([
      'Qwen/Qwen3-8B',
      'sql-lora',
    ]);
  });

  it.each([null, 'x', {}, { data: 'x' }, { data: [{ id: 3 }, null, { id: '' }] }])(
    'returns no ids for %p',
    (body) => {
      expect(vllmAdapter.parseModels(body)).toEqual([]);
    },
  );
});

describe('vllmAdapter.embeddings', () => {
  it('embeds through the shared /v1/embeddings codec', () => {
    expect(vllmAdapter.embeddings).toBe(openAiEmbeddings);
  });
});
