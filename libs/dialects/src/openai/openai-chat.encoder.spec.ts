import { SwitchyardError, type StreamEvent } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { openaiInferenceRoutes } from './openai.dialect';

/** Golden canonical events → the exact `chat.completion.chunk` SSE bytes (protocols §1.3–1.5). */

const chat = openaiInferenceRoutes.find((r) => r.path === '/v1/chat/completions')!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };
const HEAD =
  '"id":"chatcmpl-r1","object":"chat.completion.chunk","created":1700000000,"model":"tiny"';

function encode(body: Record<string, unknown>, events: StreamEvent[]): string {
  const req = chat.parse(
    { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], stream: true, ...body },
    ctx,
  ).request;
  const enc = chat.createStreamEncoder(req, meta, undefined);
  return events.map((e) => enc.event(e)).join('') + enc.end();
}

/** One chunk with one choice; `usage` is the trailing member (`,"usage":null`) or ''. */
const chunk = (choice: string, usage = '') => `data: {${HEAD},"choices":[${choice}]${usage}}\n\n`;
const role = (i: number) =>
  `{"index":${i},"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}`;
const content = (i: number, text: string, logprobs = 'null') =>
  `{"index":${i},"delta":{"content":${JSON.stringify(text)}},"logprobs":${logprobs},"finish_reason":null}`;
const finish = (i: number, reason: string) =>
  `{"index":${i},"delta":{},"logprobs":null,"finish_reason":"${reason}"}`;
const DONE = 'data: [DONE]\n\n';

const start: StreamEvent = { type: 'start', nodeId: 'n1', model: 'tiny', created: 1 };

describe('chat stream: events → exact SSE bytes', () => {
  it('one choice with include_usage: usage null on every chunk, then the choices: [] usage chunk', () => {
    const N = ',"usage":null';
    expect(
      encode({ stream_options: { include_usage: true } }, [
        start,
        { type: 'delta', index: 0, text: 'Hel' },
        { type: 'delta', index: 0, text: 'lo' },
        { type: 'usage', promptTokens: 9, completionTokens: 2, cachedTokens: 1 },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ]),
    ).toBe(
      chunk(role(0), N) +
        chunk(content(0, 'Hel'), N) +
        chunk(content(0, 'lo'), N) +
        chunk(finish(0, 'stop'), N) +
        `data: {${HEAD},"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11,"prompt_tokens_details":{"cached_tokens":1}}}\n\n` +
        DONE,
    );
  });

  it('without include_usage: no usage key and no usage chunk', () => {
    expect(
      encode({}, [
        start,
        { type: 'delta', index: 0, text: 'Hi' },
        { type: 'usage', promptTokens: 9, completionTokens: 1 },
        { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
      ]),
    ).toBe(chunk(role(0)) + chunk(content(0, 'Hi')) + chunk(finish(0, 'length')) + DONE);
  });

  it('n = 3: a role chunk per choice, interleaved deltas, a finish chunk per choice', () => {
    expect(
      encode({ n: 3 }, [
        start,
        { type: 'delta', index: 1, text: 'B' },
        { type: 'delta', index: 0, text: 'A' },
        { type: 'delta', index: 2, text: 'C' },
        { type: 'delta', index: 0, text: 'a' },
        {
          type: 'done',
          choices: [
            { index: 0, finishReason: 'stop' },
            { index: 1, finishReason: 'length' },
            { index: 2, finishReason: 'stop', stopSequence: '\n' },
          ],
        },
      ]),
    ).toBe(
      chunk(role(0)) +
        chunk(role(1)) +
        chunk(role(2)) +
        chunk(content(1, 'B')) +
        chunk(content(0, 'A')) +
        chunk(content(2, 'C')) +
        chunk(content(0, 'a')) +
        chunk(finish(0, 'stop')) +
        chunk(finish(1, 'length')) +
        chunk(finish(2, 'stop')) +
        DONE,
    );
  });

  it('role chunks come first even when the first event is a delta', () => {
    expect(
      encode({}, [
        { type: 'delta', index: 0, text: 'x' },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ]),
    ).toBe(chunk(role(0)) + chunk(content(0, 'x')) + chunk(finish(0, 'stop')) + DONE);
  });

  it('logprobs: TokenLogprob objects under choices[].logprobs.content', () => {
    const lp = {
      token: ' a',
      logprob: -0.5,
      bytes: [32, 97],
      top: [
        { token: ' a', logprob: -0.5, bytes: [32, 97] },
        { token: ' b', logprob: -1.25, bytes: null },
      ],
    };
    expect(
      encode({ logprobs: true, top_logprobs: 2 }, [
        start,
        { type: 'delta', index: 0, text: ' a', logprobs: [lp] },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ]),
    ).toBe(
      chunk(role(0)) +
        chunk(
          content(
            0,
            ' a',
            '{"content":[{"token":" a","logprob":-0.5,"bytes":[32,97],"top_logprobs":[{"token":" a","logprob":-0.5,"bytes":[32,97]},{"token":" b","logprob":-1.25,"bytes":null}]}],"refusal":null}',
          ),
        ) +
        chunk(finish(0, 'stop')) +
        DONE,
    );
  });

  it('tool-call deltas: id, type and name on the first fragment, then argument fragments', () => {
    const tool = (i: number, fn: string, id = '') =>
      `{"index":0,"delta":{"tool_calls":[{"index":${i}${id},"function":${fn}}]},"logprobs":null,"finish_reason":null}`;
    expect(
      encode({ tools: [{ type: 'function', function: { name: 'get' } }] }, [
        start,
        { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'call_1', name: 'get' }] },
        { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"a"' }] },
        { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: ':1}' }] },
        {
          type: 'delta',
          index: 0,
          toolCalls: [{ index: 1, id: 'call_2', name: 'get', arguments: '{}' }],
        },
        { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
      ]),
    ).toBe(
      chunk(role(0)) +
        chunk(tool(0, '{"name":"get","arguments":""}', ',"id":"call_1","type":"function"')) +
        chunk(tool(0, '{"arguments":"{\\"a\\""}')) +
        chunk(tool(0, '{"arguments":":1}"}')) +
        chunk(tool(1, '{"name":"get","arguments":"{}"}', ',"id":"call_2","type":"function"')) +
        chunk(finish(0, 'tool_calls')) +
        DONE,
    );
  });

  it('reasoning text as reasoning_content, beside content', () => {
    expect(
      encode({}, [
        start,
        { type: 'delta', index: 0, reasoning: 'Hmm.' },
        { type: 'delta', index: 0, text: 'Yes.' },
        { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
      ]),
    ).toBe(
      chunk(role(0)) +
        chunk(
          '{"index":0,"delta":{"reasoning_content":"Hmm."},"logprobs":null,"finish_reason":null}',
        ) +
        chunk(content(0, 'Yes.')) +
        chunk(finish(0, 'stop')) +
        DONE,
    );
  });

  it('an in-band error frame in OpenAI’s error shape', () => {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], stream: true },
      ctx,
    ).request;
    const enc = chat.createStreamEncoder(req, meta, undefined);
    expect(
      enc.error(
        new SwitchyardError('SY_STREAM_INTERRUPTED', 'the node serving this request stopped'),
      ),
    ).toBe(
      'data: {"error":{"message":"the node serving this request stopped","type":"server_error","param":null,"code":"stream_interrupted"}}\n\n',
    );
  });
});

describe('chat response: events → chat.completion body', () => {
  function respond(body: Record<string, unknown>, events: StreamEvent[]) {
    const req = chat.parse(
      { model: 'tiny', messages: [{ role: 'user', content: 'hi' }], ...body },
      ctx,
    ).request;
    const c = new ResultCollector(req.sampling.n);
    for (const e of events) c.add(e);
    return chat.respond(req, c.result(), meta, undefined);
  }

  it('n = 2 with reasoning, usage and each choice’s finish reason', () => {
    expect(
      respond({ n: 2 }, [
        { type: 'delta', index: 1, text: 'B' },
        { type: 'delta', index: 0, text: 'A', reasoning: 'think' },
        { type: 'usage', promptTokens: 3, completionTokens: 2, reasoningTokens: 1 },
        {
          type: 'done',
          choices: [
            { index: 0, finishReason: 'stop' },
            { index: 1, finishReason: 'length' },
          ],
        },
      ]),
    ).toEqual({
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
      usage: {
        prompt_tokens: 3,
        completion_tokens: 2,
        total_tokens: 5,
        completion_tokens_details: { reasoning_tokens: 1 },
      },
    });
  });

  it('assembles tool calls from fragments; content is null without text', () => {
    const body = respond({}, [
      { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'call_1', name: 'get' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"a"' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: ':1}' }] },
      { type: 'done', choices: [{ index: 0, finishReason: 'tool_calls' }] },
    ]) as { choices: unknown[] };
    expect(body.choices).toEqual([
      {
        index: 0,
        message: {
          role: 'assistant',
          content: null,
          refusal: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get', arguments: '{"a":1}' } },
          ],
        },
        logprobs: null,
        finish_reason: 'tool_calls',
      },
    ]);
  });

  it('gathers logprobs of every delta', () => {
    const lp = (token: string) => ({ token, logprob: -1, bytes: null, top: [] });
    const body = respond({ logprobs: true }, [
      { type: 'delta', index: 0, text: 'a', logprobs: [lp('a')] },
      { type: 'delta', index: 0, text: 'b', logprobs: [lp('b')] },
      { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    ]) as { choices: { logprobs: unknown }[] };
    expect(body.choices[0]!.logprobs).toEqual({
      content: [
        { token: 'a', logprob: -1, bytes: null, top_logprobs: [] },
        { token: 'b', logprob: -1, bytes: null, top_logprobs: [] },
      ],
      refusal: null,
    });
  });
});
