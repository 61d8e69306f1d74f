import type { ChatRequest, CompletionRequest } from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixture,
  type HttpFixture,
  type RequestOverrides,
} from '@switchyard/testing';
import { llamacppAdapter } from './llamacpp.adapter';

/** A fixture's text; for recorded `.http` responses, the status and body. */
const fixture = (name: string): HttpFixture => httpFixture('llamacpp', name);

const base = { model: 'tiny-llama' };
const chat = (over: RequestOverrides<ChatRequest> = {}): ChatRequest =>
  chatRequest({ ...base, ...over });
const completion = (over: RequestOverrides<CompletionRequest> = {}): CompletionRequest =>
  completionRequest({ ...base, ...over });

const STREAMING = { stream: true, stream_options: { include_usage: true } };

describe('llamacppAdapter.buildRequest', () => {
  it('maps a full chat request onto /v1/chat/completions', () => {
    const req = chat({
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: 'data:image/png;base64,AAA', detail: 'low' },
          ],
          name: 'ann',
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
      toolChoice: 'auto',
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
        stop: ['\n\n'],
        n: 2,
        logprobs: { top: 3 },
        logitBias: { '15043': -100 },
        responseFormat: { type: 'json_schema', schema: { type: 'object' }, strict: true },
      },
    });
    expect(llamacppAdapter.buildRequest(req)).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model: 'tiny-llama',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            name: 'ann',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,AAA', detail: 'low' } },
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
        tool_choice: 'auto',
        temperature: 0.2,
        top_p: 0.9,
        top_k: 40,
        min_p: 0.05,
        typical_p: 1,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        repeat_penalty: 1.1,
        seed: 7,
        max_tokens: 64,
        stop: ['\n\n'],
        n: 2,
        logprobs: true,
        top_logprobs: 3,
        logit_bias: { '15043': -100 },
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'response', schema: { type: 'object' }, strict: true },
        },
        ...STREAMING,
      },
    });
  });

  it('sends a minimal chat request with only what was set', () => {
    expect(llamacppAdapter.buildRequest(chat())).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: { model: 'tiny-llama', messages: [{ role: 'user', content: 'hi' }], ...STREAMING },
    });
  });

  it.each([
    [
      'a named tool: required over that tool alone',
      { name: 'b' },
      { tools: [{ type: 'function', function: { name: 'b' } }], tool_choice: 'required' },
    ],
    [
      'none',
      'none' as const,
      {
        tools: [
          { type: 'function', function: { name: 'a' } },
          { type: 'function', function: { name: 'b' } },
        ],
        tool_choice: 'none',
      },
    ],
  ])('maps tool choice %s', (_name, toolChoice, expected) => {
    const body = llamacppAdapter.buildRequest(
      chat({ tools: [{ name: 'a' }, { name: 'b' }], toolChoice }),
    ).body;
    expect(body).toMatchObject(expected);
  });

  it('leaves tool_choice out without tools (llama.cpp without --jinja rejects it)', () => {
    expect(
      llamacppAdapter.buildRequest(chat({ tools: [], toolChoice: 'none' })).body,
    ).not.toHaveProperty('tool_choice');
  });

  it('asks for one alternative when the client wants only the chosen token', () => {
    const body = llamacppAdapter.buildRequest(
      chat({ sampling: { stop: [], n: 1, logprobs: { top: 0 } } }),
    ).body;
    expect(body).toMatchObject({ logprobs: true, top_logprobs: 1 });
  });

  it('merges engine extras but always streams with usage', () => {
    const body = llamacppAdapter.buildRequest(
      chat({ extra: { n_probs: 5, cache_prompt: false, stream: false, stream_options: {} } }),
    ).body;
    expect(body).toMatchObject({ n_probs: 5, cache_prompt: false, ...STREAMING });
  });

  it.each([
    ['no format', undefined, undefined],
    ['text', { type: 'text' as const }, undefined],
    ['json_object', { type: 'json_object' as const }, {}],
    ['json_schema', { type: 'json_schema' as const, schema: { type: 'array' } }, { type: 'array' }],
  ])(
    'maps a completion request with %s onto /v1/completions',
    (_name, responseFormat, jsonSchema) => {
      const req = completion({
        sampling: { stop: ['.'], n: 1, maxTokens: 5, logprobs: { top: 2 }, responseFormat },
      });
      expect(llamacppAdapter.buildRequest(req)).toEqual({
        method: 'POST',
        path: '/v1/completions',
        body: {
          model: 'tiny-llama',
          prompt: 'Once',
          stop: ['.'],
          max_tokens: 5,
          logprobs: 2,
          ...(jsonSchema === undefined ? {} : { json_schema: jsonSchema }),
          ...STREAMING,
        },
      });
    },
  );
});

describe('llamacppAdapter.parseError', () => {
  it.each([
    ['error-bad-messages.http', 'SY_ENGINE_REJECTED', "Expected 'messages' to be an array"],
    [
      'error-bad-json.http',
      'SY_ENGINE_ERROR',
      "[json.exception.parse_error.101] parse error at line 1, column 3: syntax error while parsing object key - invalid literal; last read: '{no'; expected string literal",
    ],
  ])('maps %s', (name, code, message) => {
    const { status, body } = fixture(name);
    expect(llamacppAdapter.parseError(status, body)).toEqual({ code, message });
  });

  it.each([
    [
      503,
      '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
      'SY_ENGINE_UNAVAILABLE',
      'Loading model',
    ],
    [
      400,
      '{"error":{"code":400,"message":"request exceeds the available context size","type":"exceed_context_size_error","n_prompt_tokens":5000,"n_ctx":4096}}',
      'SY_ENGINE_REJECTED',
      'request exceeds the available context size (prompt: 5000 tokens, context: 4096 tokens)',
    ],
    [404, 'File Not Found', 'SY_ENGINE_REJECTED', 'engine answered HTTP 404'],
    [
      502,
      '<html>bad gateway at http://10.0.0.5:8080</html>',
      'SY_ENGINE_ERROR',
      'engine answered HTTP 502',
    ],
    [500, '', 'SY_ENGINE_ERROR', 'engine answered HTTP 500'],
    [
      501,
      '{"error":{"code":501,"message":"This server does not support metrics endpoint.","type":"not_supported_error"}}',
      'SY_ENGINE_ERROR',
      'This server does not support metrics endpoint.',
    ],
  ])('maps HTTP %p %s', (status, body, code, message) => {
    expect(llamacppAdapter.parseError(status, body)).toEqual({ code, message });
  });
});

describe('llamacppAdapter.interpretHealth', () => {
  it.each([
    [
      'health.http (ready)',
      fixture('health.http').status,
      fixture('health.http').body,
      { ready: true },
    ],
    [
      'a loading model',
      503,
      '{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}',
      { ready: false, reason: 'loading model' },
    ],
    [
      'a server error',
      500,
      '{"error":{"code":500,"message":"oops","type":"server_error"}}',
      { ready: false, reason: 'HTTP 500: oops' },
    ],
    ['an unknown route', 404, 'Not Found', { ready: false, reason: 'HTTP 404' }],
  ])('reads %s', (_name, status, body, verdict) => {
    expect(llamacppAdapter.interpretHealth(status, body)).toEqual(verdict);
  });

  it('keeps a long reason short', () => {
    const verdict = llamacppAdapter.interpretHealth(
      500,
      JSON.stringify({ error: { message: 'x'.repeat(500) } }),
    );
    expect(verdict.reason?.length).toBeLessThanOrEqual(130);
  });
});

describe('llamacppAdapter.parseModels', () => {
  it('reads the OpenAI list of v1-models.json', () => {
    expect(llamacppAdapter.parseModels(JSON.parse(fixture('v1-models.json').body))).toEqual([
      'tiny-llama',
    ]);
  });

  it.each([null, 'x', {}, { data: 'x' }, { data: [{ id: 3 }, null] }])(
    'returns no ids for %p',
    (body) => {
      expect(llamacppAdapter.parseModels(body)).toEqual([]);
    },
  );
});
