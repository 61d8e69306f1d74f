import { SwitchyardError, type StreamEvent } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { openaiDialect } from './openai.dialect';

const chat = openaiDialect.routes.find((r) => r.path === '/v1/chat/completions')!;
const completions = openaiDialect.routes.find((r) => r.path === '/v1/completions')!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };

function parseError(route: typeof chat, body: unknown): SwitchyardError {
  try {
    route.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('OpenAI chat: request → canonical', () => {
  it('maps messages, content parts, sampling and stream options', () => {
    const req = chat.parse(
      {
        model: 'tiny',
        messages: [
          { role: 'developer', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              {
                type: 'image_url',
                image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' },
              },
            ],
          },
          {
            role: 'assistant',
            content: null,
            tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }],
          },
          { role: 'tool', content: 'ok', tool_call_id: 'c1' },
        ],
        stream: true,
        stream_options: { include_usage: true },
        max_tokens: 5,
        max_completion_tokens: 7,
        stop: 'END',
        n: 2,
        seed: 3,
        temperature: 0.2,
        top_k: 10,
        logprobs: true,
        top_logprobs: 2,
        response_format: { type: 'json_object' },
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
        tool_choice: 'auto',
        some_future_field: true,
      },
      ctx,
    );
    expect(req).toEqual({
      id: 'r1',
      kind: 'chat',
      model: 'tiny',
      stream: true,
      includeUsage: true,
      priority: 0,
      modalities: ['text', 'image'],
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: 'data:image/png;base64,iVBOR', detail: 'low' },
          ],
        },
        { role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'f', arguments: '{}' }] },
        { role: 'tool', content: 'ok', toolCallId: 'c1' },
      ],
      sampling: {
        stop: ['END'],
        n: 2,
        seed: 3,
        temperature: 0.2,
        topK: 10,
        maxTokens: 7,
        logprobs: { top: 2 },
        responseFormat: { type: 'json_object' },
      },
      tools: [{ name: 'f', parameters: { type: 'object' } }],
      toolChoice: 'auto',
    });
  });

  it.each([
    [{ messages: [{ role: 'user', content: 'x' }] }, 'model', /is required/],
    [{ model: 'm', messages: 'hi' }, 'messages', /array/],
    [{ model: 'm', messages: [] }, 'messages', /at least one message/],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role', /./],
    [
      { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 3 },
      'temperature',
      /2/,
    ],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], n: 0 }, 'n', /./],
    [
      { model: 'm', messages: [{ role: 'tool', content: 'x' }] },
      'messages[0].tool_call_id',
      /required/,
    ],
    [
      { model: 'm', messages: [{ role: 'user', content: 'x' }], top_logprobs: 2 },
      'top_logprobs',
      /logprobs/,
    ],
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

describe('OpenAI chat: events → exact SSE bytes', () => {
  const events: StreamEvent[] = [
    { type: 'start', nodeId: 'n1', model: 'tiny', created: 1 },
    { type: 'delta', index: 0, text: 'Hel' },
    { type: 'delta', index: 0, text: 'lo' },
    { type: 'usage', promptTokens: 9, completionTokens: 2, cachedTokens: 1 },
    { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
  ];
  const head =
    '"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,"model":"tiny"';

  it('with include_usage', () => {
    const req = chat.parse(
      {
        model: 'tiny',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      },
      ctx,
    );
    const enc = chat.createStreamEncoder(req, meta);
    const bytes = events.map((e) => enc.event(e)).join('') + enc.end();
    expect(bytes).toBe(
      `data: {${head},"choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: {${head},"choices":[{"index":0,"delta":{"content":"Hel"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: {${head},"choices":[{"index":0,"delta":{"content":"lo"},"logprobs":null,"finish_reason":null}],"usage":null}\n\n` +
        `data: {${head},"choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"usage":null}\n\n` +
        `data: {${head},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":1}}}\n\n` +
        'data: [DONE]\n\n',
    );
  });

  it('without include_usage there is no usage key and no usage chunk', () => {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], stream: true },
      ctx,
    );
    const enc = chat.createStreamEncoder(req, meta);
    const bytes = events.map((e) => enc.event(e)).join('');
    expect(bytes).not.toContain('usage');
    expect(bytes.match(/^data: /gm)).toHaveLength(4);
  });

  it('renders tool-call deltas with id and name only on the first fragment', () => {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], stream: true },
      ctx,
    );
    const enc = chat.createStreamEncoder(req, meta);
    enc.event(events[0]!);
    const first = enc.event({
      type: 'delta',
      index: 0,
      toolCalls: [{ index: 0, id: 'call_1', name: 'get', arguments: '{"a"' }],
    });
    const next = enc.event({
      type: 'delta',
      index: 0,
      toolCalls: [{ index: 0, arguments: ':1}' }],
    });
    expect(first).toContain(
      '"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":"{\\"a\\""}}]',
    );
    expect(next).toContain('"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]');
  });

  it('renders an in-band error frame in OpenAI’s error shape', () => {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], stream: true },
      ctx,
    );
    const enc = chat.createStreamEncoder(req, meta);
    expect(
      enc.error(
        new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node serving this request stopped'),
      ),
    ).toBe(
      'data: {"error":{"message":"the node serving this request stopped","type":"server_error","param":null,"code":"stream_interrupted"}}\n\n',
    );
  });
});

describe('OpenAI non-stream responses', () => {
  it('assembles the chat response from events', () => {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], n: 2 },
      ctx,
    );
    const c = new ResultCollector(2);
    for (const e of [
      { type: 'delta', index: 1, text: 'B' },
      { type: 'delta', index: 0, text: 'A', reasoning: 'think' },
      { type: 'usage', promptTokens: 3, completionTokens: 2 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'stop' },
          { index: 1, finishReason: 'length' },
        ],
      },
    ] as StreamEvent[])
      c.add(e);
    expect(chat.respond(req, c.result(), meta)).toEqual({
      id: 'chatcmpl-r1',
      object: 'chat.completion',
      created: 1700000000,
      model: 'tiny',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'A', refusal: null, reasoning_content: 'think' },
          logprobs: null,
          finish_reason: 'stop',
        },
        {
          index: 1,
          message: { role: 'assistant', content: 'B', refusal: null },
          logprobs: null,
          finish_reason: 'length',
        },
      ],
      usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
    });
  });

  it('completions default to 16 tokens and render text_completion', () => {
    const req = completions.parse({ model: 'tiny', prompt: 'Once' }, ctx);
    expect(req.sampling.maxTokens).toBe(16);
    const c = new ResultCollector(1);
    c.add({ type: 'delta', index: 0, text: ' upon' });
    c.add({ type: 'done', choices: [{ index: 0, finishReason: 'length' }] });
    expect(completions.respond(req, c.result(), meta)).toMatchObject({
      object: 'text_completion',
      choices: [{ text: ' upon', index: 0, logprobs: null, finish_reason: 'length' }],
    });
  });
});

describe('OpenAI errors', () => {
  it('renders status, body and Retry-After', () => {
    const r = openaiDialect.renderError(
      new SwitchyardError('SY_NO_CAPACITY', 'no node is ready', { retryAfterSeconds: 2 }),
    );
    expect(r).toEqual({
      status: 503,
      headers: { 'retry-after': '2' },
      body: {
        error: {
          message: 'no node is ready',
          type: 'service_unavailable_error',
          param: null,
          code: 'no_capacity',
        },
      },
    });
  });
});
