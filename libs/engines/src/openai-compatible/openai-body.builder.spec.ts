import type { SamplingParams } from '@switchyard/contracts';
import { chatRequest, completionRequest } from '@switchyard/testing';
import {
  buildOpenAiCall,
  RESPONSE_FORMAT_FIELDS,
  type OpenAiBodyQuirks,
} from './openai-body.builder';

const SPEC = {
  samplingFields: {
    temperature: 'temperature',
    topP: 'top_p',
    topK: null,
    minP: null,
    typicalP: null,
    frequencyPenalty: null,
    presencePenalty: null,
    repetitionPenalty: null,
    seed: null,
    maxTokens: 'max_tokens',
    logitBias: null,
  },
  sendsN: true,
  forwardsExtra: false,
  zeroAlternatives: 'zero',
  namedToolChoice: 'function',
  responseFormat: {
    chat: RESPONSE_FORMAT_FIELDS.openai,
    completion: RESPONSE_FORMAT_FIELDS.openai,
  },
  continuation: null,
} as const satisfies OpenAiBodyQuirks;

const STREAMING = { stream: true, stream_options: { include_usage: true } };
const TOOLS = [{ name: 'a' }, { name: 'b' }];

describe('buildOpenAiCall', () => {
  it('builds the spec chat call with sampling under the engine names', () => {
    const req = chatRequest({ sampling: { temperature: 0.5, topK: 3, stop: ['x'], n: 2 } });
    expect(buildOpenAiCall(req, SPEC)).toEqual({
      method: 'POST',
      path: '/v1/chat/completions',
      body: {
        model: 'test-model',
        temperature: 0.5,
        stop: ['x'],
        n: 2,
        messages: [{ role: 'user', content: 'hi' }],
        ...STREAMING,
      },
    });
  });

  it.each<[string, Partial<OpenAiBodyQuirks>, Partial<SamplingParams>, Record<string, unknown>]>([
    [
      '0 alternatives asked as 0',
      {},
      { logprobs: { top: 0 } },
      { logprobs: true, top_logprobs: 0 },
    ],
    [
      '0 alternatives asked as 1',
      { zeroAlternatives: 'one' },
      { logprobs: { top: 0 } },
      { logprobs: true, top_logprobs: 1 },
    ],
    [
      '0 alternatives unsaid',
      { zeroAlternatives: 'unsaid' },
      { logprobs: { top: 0 } },
      { logprobs: true },
    ],
    ['a fixed model', { model: 'tgi' }, {}, { model: 'tgi' }],
    ['n left out', { sendsN: false }, { n: 3 }, {}],
    [
      'adjusted sampling',
      { adjustSampling: (s) => ({ ...s, temperature: 1 }) },
      {},
      { temperature: 1 },
    ],
  ])('chat quirk: %s', (_name, quirks, sampling, fields) => {
    expect(buildOpenAiCall(chatRequest({ sampling }), { ...SPEC, ...quirks }).body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'hi' }],
      ...fields,
      ...STREAMING,
    });
  });

  it.each<[OpenAiBodyQuirks['namedToolChoice'], Record<string, unknown>]>([
    [
      'function',
      {
        tools: [
          { type: 'function', function: { name: 'a' } },
          { type: 'function', function: { name: 'b' } },
        ],
        tool_choice: { type: 'function', function: { name: 'b' } },
      },
    ],
    [
      'required-over-that-tool',
      { tools: [{ type: 'function', function: { name: 'b' } }], tool_choice: 'required' },
    ],
  ])('a named tool choice sent as %s', (namedToolChoice, fields) => {
    const req = chatRequest({ tools: TOOLS, toolChoice: { name: 'b' } });
    expect(buildOpenAiCall(req, { ...SPEC, namedToolChoice }).body).toMatchObject(fields);
  });

  it("continues a trailing assistant message with the engine's fields, only when asked", () => {
    const messages = [
      { role: 'user' as const, content: 'hi' },
      { role: 'assistant' as const, content: 'Hel' },
    ];
    const vllm = { ...SPEC, continuation: { continue_final_message: true } };
    expect(
      buildOpenAiCall(chatRequest({ messages, continueFinalMessage: true }), vllm).body,
    ).toMatchObject({ continue_final_message: true });
    expect(buildOpenAiCall(chatRequest({ messages }), vllm).body).not.toHaveProperty(
      'continue_final_message',
    );
  });

  it('sends tool_choice only with tools', () => {
    const body = buildOpenAiCall(chatRequest({ tools: [], toolChoice: 'required' }), SPEC).body;
    expect(body).not.toHaveProperty('tools');
    expect(body).not.toHaveProperty('tool_choice');
  });

  it('forwards extras only when the engine takes them, and never lets them stop streaming', () => {
    const req = completionRequest({ extra: { cache_prompt: false, stream: false } });
    expect(buildOpenAiCall(req, SPEC).body).toEqual({
      model: 'test-model',
      prompt: 'Once',
      ...STREAMING,
    });
    expect(buildOpenAiCall(req, { ...SPEC, forwardsExtra: true }).body).toEqual({
      model: 'test-model',
      prompt: 'Once',
      cache_prompt: false,
      ...STREAMING,
    });
  });

  it.each([
    ['openai', { type: 'text' } as const, {}],
    ['openai', { type: 'json_object' } as const, { response_format: { type: 'json_object' } }],
    ['verbatim', { type: 'text' } as const, { response_format: { type: 'text' } }],
    ['none', { type: 'json_object' } as const, {}],
  ] as const)('response format %s: %p', (how, responseFormat, fields) => {
    const quirks = {
      ...SPEC,
      responseFormat: {
        chat: RESPONSE_FORMAT_FIELDS.none,
        completion: RESPONSE_FORMAT_FIELDS[how],
      },
    };
    const req = completionRequest({ sampling: { responseFormat } });
    expect(buildOpenAiCall(req, quirks).body).toEqual({
      model: 'test-model',
      prompt: 'Once',
      ...fields,
      ...STREAMING,
    });
  });
});
