import type {
  ChatRequest,
  CompletionRequest,
  GenerationRequest,
  SamplingParams,
  StreamEvent,
} from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixture,
  parseStreamInChunks,
} from '@switchyard/testing';
import { createRecordReader } from '../shared/record-readers';
import { tgiAdapter } from './tgi.adapter';

const TGI = { adapter: tgiAdapter, createRecordReader };
const base = {
  id: 'req1',
  model: 'meta-llama/Llama-3.1-8B-Instruct',
  stream: true,
  includeUsage: true,
};
const chat = (
  sampling: Partial<SamplingParams> = {},
  over: Partial<ChatRequest> = {},
): ChatRequest => chatRequest({ ...base, sampling, ...over });
const completion = (sampling: Partial<SamplingParams> = {}): CompletionRequest =>
  completionRequest({ ...base, prompt: 'Say hello', sampling });

/** Body bytes of a hand-written `.http` fixture (status line and headers stripped). */
const fixtureBody = (name: string): Buffer => httpFixture('tgi', name).bytes;

/** Feeds bytes in chunks of `size` through a streaming UTF-8 decoder, the SSE reader and a parser. */
const parse = (bytes: Buffer, req: GenerationRequest, size: number): StreamEvent[] =>
  parseStreamInChunks(TGI, req, bytes, size);
// 1 and 2 split every multibyte character (ü, 東京, 🚀) and every `data:` prefix.
const CHUNK_SIZES = [1, 2, 3, 7, 64, Number.POSITIVE_INFINITY];

const text = (t: string): StreamEvent => ({ type: 'delta', index: 0, text: t });
const usage = (promptTokens: number, completionTokens: number): StreamEvent => ({
  type: 'usage',
  promptTokens,
  completionTokens,
});
const done = (finishReason: string, stopSequence?: string): StreamEvent =>
  ({
    type: 'done',
    choices: [{ index: 0, finishReason, ...(stopSequence === undefined ? {} : { stopSequence }) }],
  }) as StreamEvent;
const error = (code: string, message: string, retryable: boolean, afterOutput: boolean) =>
  ({ type: 'error', code, message, retryable, afterOutput }) as StreamEvent;
const lp = (token: string, logprob: number, top: [string, number][]) => ({
  token,
  logprob,
  bytes: null,
  top: top.map(([t, l]) => ({ token: t, logprob: l, bytes: null })),
});
const args = (fragment: string): StreamEvent => ({
  type: 'delta',
  index: 0,
  toolCalls: [{ index: 0, arguments: fragment }],
});

const GENERATION_FAILED =
  'Request failed during generation: Server error: CUDA out of memory. Tried to allocate 2.00 GiB';
const TOO_LONG =
  'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`';
const CUT_OFF = 'engine closed the stream before it finished';

const CASES: [string, string, GenerationRequest, StreamEvent[]][] = [
  [
    'native, eos_token with keep-alives and multibyte text',
    'generate-stream.http',
    completion(),
    [text(' Grüße'), text(' aus'), text(' 東京'), text(' 🚀'), usage(9, 5), done('stop')],
  ],
  [
    'native, stop_sequence trimmed',
    'generate-stream-stop.http',
    completion({ stop: ['\nUser:'] }),
    [text(' Paris'), text('.'), usage(12, 5), done('stop', '\nUser:')],
  ],
  [
    'native, logprobs and length',
    'generate-stream-logprobs.http',
    completion({ logprobs: { top: 2 } }),
    [
      {
        ...text(' The'),
        logprobs: [
          lp(' The', -0.25, [
            [' The', -0.25],
            [' A', -1.75],
          ]),
        ],
      },
      {
        ...text(' sky'),
        logprobs: [
          lp(' sky', -0.5, [
            [' sky', -0.5],
            [' sun', -1.5],
          ]),
        ],
      },
      usage(6, 2),
      done('length'),
    ] as StreamEvent[],
  ],
  [
    'native, generation error after output',
    'generate-stream-error.http',
    completion(),
    [text(' Once'), error('SY_ENGINE_ERROR', GENERATION_FAILED, true, true)],
  ],
  [
    'native, validation error before output',
    'generate-stream-validation-error.http',
    completion(),
    [error('SY_ENGINE_REJECTED', TOO_LONG, false, false)],
  ],
  [
    'native, body cut off',
    'generate-stream-truncated.http',
    completion(),
    [text(' Once'), text(' upon'), error('SY_STREAM_INTERRUPTED', CUT_OFF, false, true)],
  ],
  [
    'chat, stop_sequence trimmed',
    'chat-stream.http',
    chat({ stop: ['###'] }),
    [text('Hello'), text(' wörld'), text(' 👋'), text(' '), usage(21, 5), done('stop', '###')],
  ],
  [
    'chat, no stop asked for',
    'chat-stream.http',
    chat(),
    [
      text('Hello'),
      text(' wörld'),
      text(' 👋'),
      text(' #'),
      text('##'),
      usage(21, 5),
      done('stop'),
    ],
  ],
  [
    'chat, logprobs',
    'chat-stream-logprobs.http',
    chat({ logprobs: { top: 1 } }),
    [
      { ...text('The'), logprobs: [lp('The', -0.25, [['The', -0.25]])] },
      { type: 'delta', index: 0, logprobs: [lp('<|eot_id|>', -0.01, [['<|eot_id|>', -0.01]])] },
      usage(14, 2),
      done('stop'),
    ] as StreamEvent[],
  ],
  [
    'chat, tool-call fragments',
    'chat-stream-tools.http',
    chat({}, { tools: [{ name: 'get_weather', parameters: { type: 'object' } }] }),
    [
      {
        type: 'delta',
        index: 0,
        toolCalls: [{ index: 0, id: 'call_req1_0', name: 'get_weather', arguments: '{' }],
      },
      args(' "'),
      args('location'),
      args('":'),
      args(' "São'),
      args(' Paulo'),
      args('"}'),
      usage(310, 19),
      done('tool_calls'),
    ],
  ],
  [
    'chat, error after output',
    'chat-stream-error.http',
    chat(),
    [text('Once'), error('SY_ENGINE_ERROR', GENERATION_FAILED, true, true)],
  ],
  [
    'chat, validation error before output',
    'chat-stream-validation-error.http',
    chat(),
    [error('SY_ENGINE_REJECTED', TOO_LONG, false, false)],
  ],
];

describe('tgiAdapter stream parsing (golden fixtures through the SSE reader)', () => {
  describe.each(CASES)('%s (%s)', (_label, name, req, expected) => {
    it.each(CHUNK_SIZES)('yields the canonical events when fed in chunks of %p bytes', (size) => {
      expect(parse(fixtureBody(name), req, size)).toEqual(expected);
    });
  });

  it('treats the end of the body after the final native event as a normal end', () => {
    const reader = createRecordReader('sse');
    const parser = tgiAdapter.createStreamParser(completion());
    const records = [...reader.push(fixtureBody('generate-stream.http').toString('utf8'))];
    const events = records.flatMap((r) => parser.push(r));
    expect(events.at(-1)).toEqual(done('stop'));
    expect([...reader.end().flatMap((r) => parser.push(r)), ...parser.end()]).toEqual([]);
  });

  it('ignores anything after a terminal event', () => {
    const parser = tgiAdapter.createStreamParser(chat());
    parser.push('{"error":{"message":"boom","http_status_code":500}}');
    expect(parser.push('[DONE]')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });

  it.each([
    ['a record that is not JSON', 'not json', 'SY_ENGINE_ERROR'],
    [
      'an overloaded event',
      '{"error":"Model is overloaded","error_type":"overloaded"}',
      'SY_ENGINE_UNAVAILABLE',
    ],
  ])('ends the native stream with one error on %s', (_what, record, code) => {
    const parser = tgiAdapter.createStreamParser(completion());
    const events = [...parser.push(record), ...parser.end()];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', code, afterOutput: false });
  });

  it('releases text held for a possible stop sequence when the stream breaks', () => {
    const parser = tgiAdapter.createStreamParser(completion({ stop: ['\nUser:'] }));
    const token = (t: string) =>
      JSON.stringify({ index: 1, token: { id: 1, text: t, logprob: -1, special: false } });
    expect(parser.push(token('Hi'))).toEqual([text('Hi')]);
    expect(parser.push(token('\nUs'))).toEqual([]);
    expect(parser.end()).toEqual([
      text('\nUs'),
      error('SY_STREAM_INTERRUPTED', CUT_OFF, false, true),
    ]);
  });

  it('keeps a tool call id the engine sent, on the first fragment only, and drops empty fragments', () => {
    const parser = tgiAdapter.createStreamParser(chat());
    const fragment = (name: string | null, fragmentArgs: string) =>
      JSON.stringify({
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: '0',
                  type: 'function',
                  function: { name, arguments: fragmentArgs },
                },
              ],
            },
          },
        ],
      });
    expect([
      ...parser.push(fragment('look', '{')),
      ...parser.push(fragment(null, '}')),
      ...parser.push(fragment(null, '')),
      ...parser.push('[DONE]'),
    ]).toEqual([
      { type: 'delta', index: 0, toolCalls: [{ index: 0, id: '0', name: 'look', arguments: '{' }] },
      args('}'),
      done('tool_calls'),
    ]);
  });
});
