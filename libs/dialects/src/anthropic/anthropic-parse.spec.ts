import { SwitchyardError } from '@switchyard/contracts';
import { anthropicInferenceRoutes } from './anthropic.dialect';

const route = anthropicInferenceRoutes[0]!;
const ctx = { requestId: 'r1', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' } };
const user = [{ role: 'user', content: 'hi' }];

function parseError(body: unknown): SwitchyardError {
  try {
    route.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('Anthropic messages: request → canonical', () => {
  it('maps the minimal seed request', () => {
    expect(route.parse({ model: 'm', max_tokens: 1000, messages: user }, ctx).request).toEqual({
      id: 'r1',
      kind: 'chat',
      model: 'm',
      stream: false,
      includeUsage: false,
      priority: 0,
      modalities: ['text'],
      messages: [{ role: 'user', content: 'hi' }],
      sampling: { stop: [], n: 1, maxTokens: 1000 },
    });
  });

  it('maps system, blocks, images, tool use and results, sampling, tools and thinking', () => {
    const req = route.parse(
      {
        model: 'm',
        max_tokens: 64,
        system: [
          { type: 'text', text: 'be ' },
          { type: 'text', text: 'brief', cache_control: { type: 'ephemeral' } },
        ],
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'what is this?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBOR' } },
              { type: 'image', source: { type: 'url', url: 'https://x.test/a.jpg' } },
            ],
          },
          {
            role: 'assistant',
            content: [
              { type: 'thinking', thinking: 'look it up', signature: 'sig' },
              { type: 'redacted_thinking', data: 'opaque' },
              { type: 'text', text: 'Let me check.' },
              { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'a' } },
            ],
          },
          {
            role: 'user',
            content: [
              { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat', is_error: false },
              { type: 'text', text: 'and?' },
            ],
          },
        ],
        stop_sequences: ['END'],
        stream: true,
        temperature: 0.5,
        top_k: 40,
        top_p: 0.9,
        tools: [{ name: 'lookup', description: 'find', input_schema: { type: 'object' } }],
        tool_choice: { type: 'any', disable_parallel_tool_use: true },
        thinking: { type: 'enabled', budget_tokens: 2048 },
        metadata: { user_id: 'u-7' },
        service_tier: 'auto',
      },
      ctx,
    ).request;
    expect(req).toEqual({
      id: 'r1',
      kind: 'chat',
      model: 'm',
      stream: true,
      includeUsage: true,
      priority: 0,
      sessionKey: 'u-7',
      modalities: ['text', 'image'],
      messages: [
        { role: 'system', content: 'be brief' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is this?' },
            { type: 'image', url: 'data:image/png;base64,iVBOR' },
            { type: 'image', url: 'https://x.test/a.jpg' },
          ],
        },
        {
          role: 'assistant',
          content: 'Let me check.',
          reasoning: 'look it up',
          toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"q":"a"}' }],
        },
        { role: 'tool', toolCallId: 'toolu_1', content: 'a cat' },
        { role: 'user', content: 'and?' },
      ],
      sampling: { stop: ['END'], n: 1, maxTokens: 64, temperature: 0.5, topK: 40, topP: 0.9 },
      tools: [{ name: 'lookup', description: 'find', parameters: { type: 'object' } }],
      toolChoice: 'required',
      extra: { chat_template_kwargs: { enable_thinking: true }, parallel_tool_calls: false },
    });
  });

  it('turns a user turn of only tool results into tool messages, block content joined', () => {
    const req = route.parse(
      {
        model: 'm',
        max_tokens: 8,
        messages: [
          {
            role: 'assistant',
            content: [{ type: 'tool_use', id: 't1', name: 'f', input: {} }],
          },
          {
            role: 'user',
            content: [
              {
                type: 'tool_result',
                tool_use_id: 't1',
                content: [
                  { type: 'text', text: 'a' },
                  { type: 'text', text: 'b' },
                ],
              },
            ],
          },
        ],
      },
      ctx,
    ).request;
    expect(req.kind === 'chat' && req.messages).toEqual([
      { role: 'assistant', content: null, toolCalls: [{ id: 't1', name: 'f', arguments: '{}' }] },
      { role: 'tool', toolCallId: 't1', content: 'ab' },
    ]);
  });

  it.each([
    [{ type: 'auto' }, 'auto'],
    [{ type: 'any' }, 'required'],
    [{ type: 'tool', name: 'f' }, { name: 'f' }],
    [{ type: 'none' }, 'none'],
  ])('maps tool_choice %j', (toolChoice, expected) => {
    const req = route.parse(
      { model: 'm', max_tokens: 8, messages: user, tool_choice: toolChoice },
      ctx,
    ).request;
    expect(req.kind === 'chat' && req.toolChoice).toEqual(expected);
    expect(req.extra).toBeUndefined();
  });

  it('asks the engine not to think when thinking is disabled', () => {
    const req = route.parse(
      { model: 'm', max_tokens: 8, messages: user, thinking: { type: 'disabled' } },
      ctx,
    ).request;
    expect(req.extra).toEqual({ chat_template_kwargs: { enable_thinking: false } });
  });

  it.each([
    [{ model: 'm', messages: user }, 'max_tokens', /is required/],
    [{ model: 'm', max_tokens: 0, messages: user }, 'max_tokens', /at least 1.*prompt cache/],
    [{ max_tokens: 5, messages: user }, 'model', /is required/],
    [{ model: 'm', max_tokens: 5, messages: [] }, 'messages', /at least one message/],
    [
      { model: 'm', max_tokens: 5, messages: [{ role: 'system', content: 'x' }] },
      'messages[0].role',
      /./,
    ],
    [
      {
        model: 'm',
        max_tokens: 5,
        messages: [{ role: 'user', content: [{ type: 'document', source: {} }] }],
      },
      'messages[0].content[0].type',
      /'text' \| 'image'/,
    ],
    [
      {
        model: 'm',
        max_tokens: 5,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'x' } },
            ],
          },
        ],
      },
      'messages[0].content[0].source.media_type',
      /./,
    ],
    [{ model: 'm', max_tokens: 5, messages: user, temperature: 1.5 }, 'temperature', /1/],
    [
      { model: 'm', max_tokens: 5, messages: user, tools: [{ name: 'f' }] },
      'tools[0].input_schema',
      /required/,
    ],
  ])('refuses %j naming %s', (body, param, message) => {
    const err = parseError(body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});
