import type { ErrorEvent, StreamEvent } from '@switchyard/contracts';
import { chatRequest, httpFixture, parseStreamInChunks } from '@switchyard/testing';
import { mindieAdapter } from './mindie.adapter';
import { createRecordReader } from '../shared/record-readers';

const MINDIE = { adapter: mindieAdapter, createRecordReader };
const CHAT = {
  id: 'req-1',
  model: 'qwen3-8b',
  messages: [{ role: 'user' as const, content: '你好' }],
  stream: true,
  includeUsage: true,
};

/** Body bytes of a hand-written response (status line and headers stripped). */
const fixtureBody = (name: string): Buffer => httpFixture('mindie', name).bytes;

/** Raw bytes in fixed-size chunks through a streaming decoder, the SSE reader and the parser. */
const parseBytes = (bytes: Uint8Array, chunkSize: number): StreamEvent[] =>
  parseStreamInChunks(MINDIE, chatRequest(CHAT), bytes, chunkSize);

const parseText = (text: string): StreamEvent[] => parseBytes(Buffer.from(text, 'utf8'), Infinity);

const sse = (...records: string[]): string => records.map((r) => `data: ${r}\n\n`).join('');

const text = (t: string, index = 0): StreamEvent => ({ type: 'delta', index, text: t });
const reasoning = (t: string): StreamEvent => ({ type: 'delta', index: 0, reasoning: t });
const alt = (token: string, logprob: number) => ({ token, logprob, bytes: null });

const GOLDEN: [string, StreamEvent[]][] = [
  [
    'chat-stream-reasoning.http',
    [
      reasoning('The user'),
      reasoning(' greets me'),
      reasoning(' in Chinese;'),
      reasoning(' reply briefly.'),
      text('你好'),
      text('！有什么'),
      text('可以帮你？'),
      {
        type: 'usage',
        promptTokens: 12,
        completionTokens: 21,
        cachedTokens: 8,
        reasoningTokens: 14,
      },
      { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    ],
  ],
  [
    'chat-stream-n2.http',
    [
      text('Red', 0),
      text('Blue', 1),
      text(' sky', 0),
      text(' sea', 1),
      text('.', 0),
      text(' and', 1),
      text(' sand', 1),
      // Each finish chunk counts its own choice: 3 + 4 completion tokens, one shared prompt.
      { type: 'usage', promptTokens: 9, completionTokens: 7, cachedTokens: 4 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'stop' },
          { index: 1, finishReason: 'length' },
        ],
      },
    ],
  ],
  [
    'completion-stream.http',
    [
      text(' Paris'),
      text(' is'),
      text(' the capital'),
      text(' of France.'),
      { type: 'usage', promptTokens: 6, completionTokens: 5, cachedTokens: 0 },
      { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
    ],
  ],
  [
    // The top map also holds the chosen token and reads out of rank order; alternatives are sorted.
    'completion-stream-logprobs.http',
    [
      {
        type: 'delta',
        index: 0,
        text: ' Paris',
        logprobs: [
          {
            token: ' Paris',
            logprob: -0.01234,
            bytes: null,
            top: [alt(' Paris', -0.01234), alt(' Lyon', -4.75)],
          },
        ],
      },
      {
        type: 'delta',
        index: 0,
        text: ' 是',
        logprobs: [
          {
            token: ' 是',
            logprob: -1.5,
            bytes: null,
            top: [alt(' is', -0.5), alt(' 是', -1.5), alt(' was', -2.25)],
          },
        ],
      },
      { type: 'usage', promptTokens: 6, completionTokens: 2, cachedTokens: 0 },
      { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
    ],
  ],
  [
    'chat-stream-midstream-error.http',
    [
      text('Once'),
      text(' upon'),
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'Failed to process OpenAI response stream',
        retryable: true,
        afterOutput: true,
      },
    ],
  ],
];

describe('mindieAdapter stream parser', () => {
  describe.each(GOLDEN)('%s', (name, expected) => {
    // 1 and 5 split the multi-byte characters and every record; 64 splits some records.
    it.each([Infinity, 1, 5, 64])('gives the same events in %p-byte chunks', (chunkSize) => {
      expect(parseBytes(fixtureBody(name), chunkSize)).toEqual(expected);
    });
  });

  it('emits no usage and an interruption when the body ends before [DONE]', () => {
    const body = fixtureBody('chat-stream-n2.http').toString('utf8');
    const cut = body.slice(0, body.indexOf('data: [DONE]'));
    expect(parseText(cut).slice(-2)).toEqual([
      text(' sand', 1),
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine closed the stream before it finished',
        retryable: false,
        afterOutput: true,
      },
    ]);
  });

  const first = '{"choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}';

  it.each<[string, string, Partial<ErrorEvent>]>([
    [
      'a flat Service Unavailable before any output',
      '{"error":"The service has been stopped","error_type":"Service Unavailable"}',
      {
        code: 'SY_ENGINE_UNAVAILABLE',
        message: 'The service has been stopped',
        afterOutput: false,
      },
    ],
    [
      'a flat validation error with the nested "Error" string',
      '{"error":"{\\"Error\\":\\"n is too big\\"}","error_type":"Input Validation Error"}',
      { code: 'SY_ENGINE_REJECTED', message: 'n is too big', afterOutput: false },
    ],
    [
      'a flat Generation Error (424)',
      '{"error":"Failed to generate infer request","error_type":"Generation Error"}',
      { code: 'SY_ENGINE_ERROR', message: 'Failed to generate infer request', afterOutput: false },
    ],
    [
      'an unknown category',
      '{"error":"odd","error_type":"Something New"}',
      { code: 'SY_ENGINE_ERROR', message: 'odd', afterOutput: false },
    ],
    [
      'the OpenAI envelope with an integer code',
      '{"error":{"message":"bad stop","type":"invalid_request_error","code":422}}',
      { code: 'SY_ENGINE_REJECTED', message: 'bad stop', afterOutput: false },
    ],
    [
      'the OpenAI envelope with TGI http_status_code',
      '{"error":{"message":"busy","http_status_code":503}}',
      { code: 'SY_ENGINE_UNAVAILABLE', message: 'busy', afterOutput: false },
    ],
    [
      'an envelope with no message',
      '{"error":{},"error_type":"Incomplete Generation"}',
      { code: 'SY_ENGINE_ERROR', message: 'engine reported an error', afterOutput: false },
    ],
  ])('maps %s', (_name, record, expected) => {
    const events = parseText(sse(record, '[DONE]'));
    expect(events).toEqual([expect.objectContaining({ type: 'error', ...expected })]);
  });

  it('marks an in-band error after a delta as after output', () => {
    const events = parseText(sse(first, '{"error":"boom","error_type":"Incomplete Generation"}'));
    expect(events).toEqual([
      text('Hi'),
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'boom',
        retryable: true,
        afterOutput: true,
      },
    ]);
  });
});
