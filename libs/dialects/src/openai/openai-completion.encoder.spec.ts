import type { StreamEvent, TokenLogprob } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { openaiInferenceRoutes } from './openai.dialect';

/** Golden canonical events → the exact `text_completion` SSE bytes and body (protocols §1.6). */

const completions = openaiInferenceRoutes.find((r) => r.path === '/v1/completions')!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'tiny', created: 1700000000 };
const HEAD = '"id":"cmpl-r1","object":"text_completion","created":1700000000,"model":"tiny"';
const DONE = 'data: [DONE]\n\n';

const lp = (token: string, logprob: number, alt?: [string, number]): TokenLogprob => ({
  token,
  logprob,
  bytes: null,
  top: [
    { token, logprob, bytes: null },
    ...(alt ? [{ token: alt[0], logprob: alt[1], bytes: null }] : []),
  ],
});

const chunk = (choice: string) => `data: {${HEAD},"choices":[${choice}]}\n\n`;

describe('completions stream: events → exact SSE bytes', () => {
  it('n = 2 with logprobs: interleaved choices, text offsets per choice, usage chunk', () => {
    const req = completions.parse(
      {
        model: 'tiny',
        prompt: 'Once',
        n: 2,
        logprobs: 1,
        stream: true,
        stream_options: { include_usage: true },
      },
      ctx,
    ).request;
    const enc = completions.createStreamEncoder(req, meta, undefined);
    const events: StreamEvent[] = [
      { type: 'start', nodeId: 'n1', model: 'tiny', created: 1 },
      { type: 'delta', index: 0, text: ' up', logprobs: [lp(' up', -0.5, [' on', -1])] },
      { type: 'delta', index: 1, text: ' a', logprobs: [lp(' a', -0.25)] },
      { type: 'delta', index: 0, text: 'on', logprobs: [lp('on', -0.125)] },
      { type: 'usage', promptTokens: 2, completionTokens: 3 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'length' },
          { index: 1, finishReason: 'stop' },
        ],
      },
    ];
    expect(events.map((e) => enc.event(e)).join('') + enc.end()).toBe(
      chunk(
        '{"text":" up","index":0,"logprobs":{"tokens":[" up"],"token_logprobs":[-0.5],"top_logprobs":[{" up":-0.5," on":-1}],"text_offset":[0]},"finish_reason":null}',
      ) +
        chunk(
          '{"text":" a","index":1,"logprobs":{"tokens":[" a"],"token_logprobs":[-0.25],"top_logprobs":[{" a":-0.25}],"text_offset":[0]},"finish_reason":null}',
        ) +
        chunk(
          '{"text":"on","index":0,"logprobs":{"tokens":["on"],"token_logprobs":[-0.125],"top_logprobs":[{"on":-0.125}],"text_offset":[3]},"finish_reason":null}',
        ) +
        chunk('{"text":"","index":0,"logprobs":null,"finish_reason":"length"}') +
        chunk('{"text":"","index":1,"logprobs":null,"finish_reason":"stop"}') +
        `data: {${HEAD},"choices":[],"usage":{"prompt_tokens":2,"completion_tokens":3,"total_tokens":5}}\n\n` +
        DONE,
    );
  });

  it('no usage chunk unless asked for', () => {
    const req = completions.parse({ model: 'tiny', prompt: 'Once', stream: true }, ctx).request;
    const enc = completions.createStreamEncoder(req, meta, undefined);
    const bytes =
      enc.event({ type: 'delta', index: 0, text: 'x' }) +
      enc.event({ type: 'usage', promptTokens: 1, completionTokens: 1 }) +
      enc.event({ type: 'done', choices: [{ index: 0, finishReason: 'stop' }] });
    expect(bytes).toBe(
      chunk('{"text":"x","index":0,"logprobs":null,"finish_reason":null}') +
        chunk('{"text":"","index":0,"logprobs":null,"finish_reason":"stop"}'),
    );
  });
});

describe('completions response: events → text_completion body', () => {
  it('joins text and logprobs per choice, with offsets into the choice’s text', () => {
    const req = completions.parse(
      { model: 'tiny', prompt: 'Once', logprobs: 1, n: 2 },
      ctx,
    ).request;
    const c = new ResultCollector(2);
    for (const e of [
      { type: 'delta', index: 0, text: ' up', logprobs: [lp(' up', -0.5)] },
      { type: 'delta', index: 1, text: '!', logprobs: [lp('!', -2)] },
      { type: 'delta', index: 0, text: 'on', logprobs: [lp('on', -0.125)] },
      { type: 'usage', promptTokens: 2, completionTokens: 3 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'length' },
          { index: 1, finishReason: 'stop' },
        ],
      },
    ] as StreamEvent[])
      c.add(e);
    expect(completions.respond(req, c.result(), meta, undefined)).toEqual({
      id: 'cmpl-r1',
      object: 'text_completion',
      created: 1700000000,
      model: 'tiny',
      choices: [
        {
          text: ' upon',
          index: 0,
          logprobs: {
            tokens: [' up', 'on'],
            token_logprobs: [-0.5, -0.125],
            top_logprobs: [{ ' up': -0.5 }, { on: -0.125 }],
            text_offset: [0, 3],
          },
          finish_reason: 'length',
        },
        {
          text: '!',
          index: 1,
          logprobs: {
            tokens: ['!'],
            token_logprobs: [-2],
            top_logprobs: [{ '!': -2 }],
            text_offset: [0],
          },
          finish_reason: 'stop',
        },
      ],
      usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
    });
  });
});
