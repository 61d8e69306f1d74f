import { SwitchyardError } from '@switchyard/contracts';
import type { InferenceRoute } from '../dialect';
import { openaiInferenceRoutes } from './openai.dialect';

/** Golden request → canonical request, for every field of protocols §1.1, §1.6 and §1.8. */

const route = (path: string): InferenceRoute => openaiInferenceRoutes.find((r) => r.path === path)!;
const chat = route('/v1/chat/completions');
const completions = route('/v1/completions');
const embeddings = route('/v1/embeddings');
const ctx = { requestId: 'r1', headers: {} };
const user = [{ role: 'user', content: 'hi' }];

function parseError(r: InferenceRoute, body: unknown): SwitchyardError {
  try {
    r.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(body)} to be refused`);
}

describe('chat completions: request → canonical', () => {
  it('maps every message shape, content part, sampling field and stream option', () => {
    const req = chat.parse(
      {
        model: 'tiny',
        messages: [
          { role: 'developer', content: 'be brief' },
          { role: 'system', content: [{ type: 'text', text: 'and kind' }], name: 'rules' },
          {
            role: 'user',
            name: 'ann',
            content: [
              { type: 'text', text: 'what is this? ' },
              { type: 'text', text: 'and this?' },
              {
                type: 'image_url',
                image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' },
              },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: null,
            reasoning_content: 'the user wants f',
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', content: [{ type: 'text', text: 'ok' }], tool_call_id: 'c1' },
          { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
        ],
        stream: true,
        stream_options: { include_usage: true, include_obfuscation: false },
        max_tokens: 5,
        max_completion_tokens: 7,
        stop: 'END',
        n: 2,
        seed: 3,
        temperature: 0.2,
        top_p: 0.9,
        frequency_penalty: 0.5,
        presence_penalty: -0.5,
        logit_bias: { '50256': -100 },
        top_k: 10,
        min_p: 0.05,
        typical_p: 0.8,
        repetition_penalty: 1.1,
        ignore_eos: true,
        logprobs: true,
        top_logprobs: 2,
        response_format: { type: 'json_object' },
        tools: [
          {
            type: 'function',
            function: {
              name: 'f',
              description: 'does f',
              parameters: { type: 'object' },
              strict: true,
            },
          },
        ],
        tool_choice: 'auto',
        parallel_tool_calls: false,
        user: 'u-1',
        some_future_field: true,
      },
      ctx,
    ).request;
    expect(req).toEqual({
      id: 'r1',
      kind: 'chat',
      model: 'tiny',
      stream: true,
      includeUsage: true,
      priority: 0,
      sessionKey: 'u-1',
      extra: { ignore_eos: true },
      modalities: ['text', 'image'],
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'system', content: 'and kind', name: 'rules' },
        {
          role: 'user',
          name: 'ann',
          content: [
            { type: 'text', text: 'what is this? ' },
            { type: 'text', text: 'and this?' },
            { type: 'image', url: 'data:image/png;base64,iVBOR', detail: 'low' },
            { type: 'image', url: 'https://example.com/cat.jpg' },
          ],
        },
        {
          role: 'assistant',
          content: null,
          reasoning: 'the user wants f',
          toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }],
        },
        { role: 'tool', content: 'ok', toolCallId: 'c1' },
        { role: 'assistant', content: 'I cannot.' },
      ],
      sampling: {
        stop: ['END'],
        n: 2,
        seed: 3,
        temperature: 0.2,
        topP: 0.9,
        frequencyPenalty: 0.5,
        presencePenalty: -0.5,
        logitBias: { '50256': -100 },
        topK: 10,
        minP: 0.05,
        typicalP: 0.8,
        repetitionPenalty: 1.1,
        maxTokens: 7,
        logprobs: { top: 2 },
        responseFormat: { type: 'json_object' },
      },
      tools: [{ name: 'f', description: 'does f', parameters: { type: 'object' } }],
      toolChoice: 'auto',
    });
  });

  it('keeps the defaults minimal: one choice, no stop, engine-default length, no stream', () => {
    expect(chat.parse({ model: 'tiny', messages: user }, ctx).request).toEqual({
      id: 'r1',
      kind: 'chat',
      model: 'tiny',
      stream: false,
      includeUsage: false,
      priority: 0,
      modalities: ['text'],
      messages: [{ role: 'user', content: 'hi' }],
      sampling: { stop: [], n: 1 },
    });
  });

  it.each([
    ['max_tokens alone', { max_tokens: 9 }, { maxTokens: 9 }],
    [
      'max_completion_tokens wins over max_tokens',
      { max_tokens: 9, max_completion_tokens: 4 },
      { maxTokens: 4 },
    ],
    ['a list of stops', { stop: ['a', 'b', 'c', 'd'] }, { stop: ['a', 'b', 'c', 'd'] }],
    ['logprobs without top_logprobs', { logprobs: true }, { logprobs: { top: 0 } }],
    ['logprobs: false', { logprobs: false }, {}],
    [
      'text response format',
      { response_format: { type: 'text' } },
      { responseFormat: { type: 'text' } },
    ],
    [
      'a JSON schema response format',
      {
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
        },
      },
      {
        responseFormat: {
          type: 'json_schema',
          name: 'answer',
          schema: { type: 'object' },
          strict: true,
        },
      },
    ],
    ['nulls as absent', { temperature: null, seed: null, stop: null, n: null }, {}],
  ])('sampling: %s', (_name, fields, expected) => {
    const req = chat.parse({ model: 'tiny', messages: user, ...fields }, ctx).request;
    expect(req.sampling).toEqual({ stop: [], n: 1, ...expected });
  });

  it.each([
    ['a named function', { type: 'function', function: { name: 'f' } }, { name: 'f' }],
    ['required', 'required', 'required'],
    ['none', 'none', 'none'],
  ])('tool_choice: %s', (_name, toolChoice, expected) => {
    const req = chat.parse(
      {
        model: 'tiny',
        messages: user,
        tools: [{ type: 'function', function: { name: 'f' } }],
        tool_choice: toolChoice,
      },
      ctx,
    ).request;
    expect(req).toMatchObject({ tools: [{ name: 'f' }], toolChoice: expected });
  });

  it.each([
    ['prompt_cache_key first', { prompt_cache_key: 'k', user: 'u', safety_identifier: 's' }, 'k'],
    ['then user', { user: 'u', safety_identifier: 's' }, 'u'],
    ['then safety_identifier', { safety_identifier: 's' }, 's'],
  ])('session key: %s', (_name, fields, expected) => {
    expect(chat.parse({ model: 'tiny', messages: user, ...fields }, ctx).request.sessionKey).toBe(
      expected,
    );
  });

  it('asks for usage only on streams', () => {
    const req = chat.parse(
      { model: 'tiny', messages: user, stream_options: { include_usage: true } },
      ctx,
    ).request;
    expect(req.includeUsage).toBe(false);
  });

  const tools = [{ type: 'function', function: { name: 'f' } }];
  it.each([
    [{ messages: user }, 'model', /is required/],
    [{ model: '', messages: user }, 'model', /must name a model/],
    [{ model: 'm', messages: 'hi' }, 'messages', /array/],
    [{ model: 'm', messages: [] }, 'messages', /at least one message/],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', /./],
    [
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
      /required/,
    ],
    [
      { model: 'm', messages: [{ role: 'user', content: [] }] },
      'messages[0].content',
      /at least one content part/,
    ],
    [
      {
        model: 'm',
        messages: [
          {
            role: 'user',
            content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }],
          },
        ],
      },
      'messages[0].content',
      /'text' and 'image_url' parts/,
    ],
    [
      { model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url' }] }] },
      'messages[0].content',
      /array of 'text' parts/,
    ],
    [
      {
        model: 'm',
        messages: [
          { role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x' } }] },
        ],
      },
      'messages[0].content[0].image_url.url',
      /http\(s\) URL or a data:image/,
    ],
    [{ model: 'm', messages: user, temperature: 3 }, 'temperature', /2/],
    [{ model: 'm', messages: user, top_p: 1.5 }, 'top_p', /1/],
    [{ model: 'm', messages: user, frequency_penalty: -3 }, 'frequency_penalty', /-2/],
    [{ model: 'm', messages: user, presence_penalty: 2.5 }, 'presence_penalty', /2/],
    [{ model: 'm', messages: user, n: 0 }, 'n', /./],
    [{ model: 'm', messages: user, n: 129 }, 'n', /128/],
    [{ model: 'm', messages: user, seed: 1.5 }, 'seed', /int/],
    [{ model: 'm', messages: user, max_tokens: 0 }, 'max_tokens', /./],
    [{ model: 'm', messages: user, max_completion_tokens: -1 }, 'max_completion_tokens', /./],
    [{ model: 'm', messages: user, stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop', /./],
    [{ model: 'm', messages: user, logit_bias: { '1': 101 } }, 'logit_bias.1', /100/],
    [{ model: 'm', messages: user, top_logprobs: 2 }, 'top_logprobs', /logprobs/],
    [{ model: 'm', messages: user, logprobs: true, top_logprobs: 21 }, 'top_logprobs', /20/],
    [
      { model: 'm', messages: user, response_format: { type: 'yaml' } },
      'response_format.type',
      /./,
    ],
    [
      { model: 'm', messages: user, response_format: { type: 'json_schema', json_schema: {} } },
      'response_format.json_schema.name',
      /required/,
    ],
    [
      { model: 'm', messages: user, tools: [{ type: 'function', function: { name: 'a b' } }] },
      'tools[0].function.name',
      /letters, digits/,
    ],
    [{ model: 'm', messages: user, tool_choice: 'required' }, 'tool_choice', /requires 'tools'/],
    [
      {
        model: 'm',
        messages: user,
        tools,
        tool_choice: { type: 'function', function: { name: 'g' } },
      },
      'tool_choice',
      /'g', which is not in 'tools'/,
    ],
    [{ model: 'm', messages: user, functions: [{ name: 'f' }] }, 'functions', /send 'tools'/],
    [{ model: 'm', messages: user, function_call: 'auto' }, 'function_call', /'tool_choice'/],
    [{ model: 'm', messages: user, modalities: ['text', 'audio'] }, 'modalities', /text/],
    [{ model: 'm', messages: user, audio: { voice: 'alloy', format: 'wav' } }, 'audio', /Audio/],
    [{ model: 'm', messages: user, stream: 'yes' }, 'stream', /boolean/],
  ])('refuses %j naming %s', (body, param, message) => {
    const err = parseError(chat, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it('refuses a body that is not an object', () => {
    expect(parseError(chat, [1, 2]).message).toMatch(/JSON object/);
  });
});

describe('chat completions: a URL as the model', () => {
  it('means the served model, as for completions', () => {
    const body = { model: 'http://gw:8080', messages: [{ role: 'user', content: 'hi' }] };
    expect(chat.parse(body, ctx).request.model).toBe('auto');
  });
});

describe('completions: request → canonical', () => {
  it.each(['http://127.0.0.1:8080', 'https://gw.example/v1', ' HTTP://gw '])(
    "a model that is the endpoint's URL (%s, what @huggingface/inference sends) means the served one",
    (model) => {
      const req = completions.parse({ model, prompt: 'x' }, ctx).request;
      expect(req.model).toBe('auto');
    },
  );

  it('maps prompt, integer logprobs and the shared fields', () => {
    const req = completions.parse(
      {
        model: 'tiny',
        prompt: ['Once upon'],
        max_tokens: 30,
        logprobs: 3,
        n: 3,
        stop: ['\n\n'],
        seed: 7,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
        best_of: 1,
        echo: false,
      },
      ctx,
    ).request;
    expect(req).toEqual({
      id: 'r1',
      kind: 'completion',
      model: 'tiny',
      prompt: 'Once upon',
      stream: true,
      includeUsage: true,
      priority: 0,
      modalities: ['text'],
      sampling: {
        stop: ['\n\n'],
        n: 3,
        seed: 7,
        temperature: 0,
        maxTokens: 30,
        logprobs: { top: 3 },
      },
    });
  });

  it('defaults to 16 tokens, as OpenAI does', () => {
    expect(completions.parse({ model: 'tiny', prompt: 'Once' }, ctx).request.sampling).toEqual({
      stop: [],
      n: 1,
      maxTokens: 16,
    });
  });

  it('takes logprobs: 0 as "the chosen token only"', () => {
    const req = completions.parse({ model: 'tiny', prompt: 'Once', logprobs: 0 }, ctx).request;
    expect(req.sampling.logprobs).toEqual({ top: 0 });
  });

  it.each([
    [{ model: 'm' }, 'prompt', /required/],
    [{ model: 'm', prompt: 5 }, 'prompt', /must be a string/],
    [{ model: 'm', prompt: [1, 2, 3] }, 'prompt', /Token-id prompts/],
    [{ model: 'm', prompt: [[1, 2]] }, 'prompt', /Token-id prompts/],
    [{ model: 'm', prompt: 'x', logprobs: 6 }, 'logprobs', /5/],
    [{ model: 'm', prompt: 'x', logprobs: true }, 'logprobs', /number/],
    [{ model: 'm', prompt: 'x', echo: true }, 'echo', /not supported/],
    [{ model: 'm', prompt: 'x', suffix: '}' }, 'suffix', /not supported/],
    [{ model: 'm', prompt: 'x', best_of: 3 }, 'best_of', /not supported/],
  ])('refuses %j naming %s', (body, param, message) => {
    const err = parseError(completions, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});

describe('embeddings: request → canonical', () => {
  it('maps one string', () => {
    expect(embeddings.parse({ model: 'emb', input: 'hello' }, ctx).request).toEqual({
      id: 'r1',
      kind: 'embedding',
      model: 'emb',
      input: ['hello'],
      encodingFormat: 'float',
      sampling: { stop: [], n: 1 },
      stream: false,
      includeUsage: false,
      priority: 0,
      modalities: ['text'],
    });
  });

  it('maps a list, dimensions, base64 and user; never streams', () => {
    expect(
      embeddings.parse(
        {
          model: 'emb',
          input: ['a', 'b'],
          dimensions: 8,
          encoding_format: 'base64',
          user: 'u',
          stream: true,
        },
        ctx,
      ).request,
    ).toMatchObject({
      input: ['a', 'b'],
      dimensions: 8,
      encodingFormat: 'base64',
      sessionKey: 'u',
      stream: false,
    });
  });

  it.each([
    [{ input: 'x' }, 'model', /required/],
    [{ model: 'm' }, 'input', /required/],
    [{ model: 'm', input: '' }, 'input', /empty string/],
    [{ model: 'm', input: ['a', ''] }, 'input[1]', /empty string/],
    [{ model: 'm', input: [] }, 'input', /non-empty array of strings/],
    [{ model: 'm', input: 5 }, 'input', /string or a non-empty array/],
    [{ model: 'm', input: ['a', 5] }, 'input', /string or a non-empty array/],
    [{ model: 'm', input: [1, 2, 3] }, 'input', /Token-id inputs/],
    [{ model: 'm', input: [[1, 2], [3]] }, 'input', /Token-id inputs/],
    [{ model: 'm', input: 'x', encoding_format: 'int8' }, 'encoding_format', /float|base64/],
    [{ model: 'm', input: 'x', dimensions: 0 }, 'dimensions', /./],
  ])('refuses %# naming %s', (body, param, message) => {
    const err = parseError(embeddings, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});
