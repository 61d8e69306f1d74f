import type { ChatRequest, StreamEvent } from '@switchyard/contracts';
import {
  chatRequest as canonicalChat,
  httpFixture,
  parseStreamInChunks,
  type RequestOverrides,
} from '@switchyard/testing';
import { llamacppAdapter } from './llamacpp.adapter';
import { createRecordReader } from '../shared/record-readers';

const LLAMACPP = { adapter: llamacppAdapter, createRecordReader };

const chatRequest = (overrides: RequestOverrides<ChatRequest> = {}): ChatRequest =>
  canonicalChat({
    id: 'req-1',
    model: 'tiny-llama',
    stream: true,
    includeUsage: true,
    ...overrides,
  });

/** Body bytes of a recorded response (status line and headers stripped). */
const fixtureBody = (name: string): Buffer => httpFixture('llamacpp', name).bytes;

/** Raw bytes in fixed-size chunks through a streaming decoder, the SSE reader and the parser. */
const parseBytes = (
  bytes: Uint8Array,
  chunkSize: number,
  req: ChatRequest = chatRequest(),
): StreamEvent[] => parseStreamInChunks(LLAMACPP, req, bytes, chunkSize);

const parseText = (text: string, req?: ChatRequest): StreamEvent[] =>
  parseBytes(Buffer.from(text, 'utf8'), Infinity, req);

const text = (t: string, index = 0): StreamEvent => ({ type: 'delta', index, text: t });

const MIDSTREAM_TEXTS = [
  'iska',
  ' jQuery',
  ' dels',
  'ensemble',
  'under',
  ' Пів',
  'üll',
  ' Scotland',
  ' F',
  ' affected',
  ' medical',
  ' Ch',
  'pril',
  ' extremely',
  ' indicate',
  ' Trop',
  ' ment',
  ' proprio',
  ' affected',
  '？',
  ' Hello',
  ' agricult',
  ' Lö',
  'ждён',
  ' Мексичка',
  'stringify',
  'mut',
  ' ils',
  'essa',
  ' ně',
  'cas',
  ' лу',
  ' Population',
  ' prime',
  ' Mo',
  ' principles',
  'urre',
];

const lp = (
  token: string,
  bytes: number[],
  logprob: number,
  top: [string, number[], number][],
) => ({
  token,
  logprob,
  bytes,
  top: top.map(([t, b, l]) => ({ token: t, bytes: b, logprob: l })),
});
const POLITY = [32, 112, 111, 108, 105, 116, 121];
const LOGPROB_DELTAS: StreamEvent[] = [
  {
    type: 'delta',
    index: 0,
    text: 'mittel',
    logprobs: [
      lp('mittel', [109, 105, 116, 116, 101, 108], -9.747248649597168, [
        ['mittel', [109, 105, 116, 116, 101, 108], -9.747248649597168],
        [' Show', [32, 83, 104, 111, 119], -9.781023979187012],
      ]),
    ],
  },
  {
    type: 'delta',
    index: 0,
    text: 'су',
    logprobs: [
      lp('су', [209, 129, 209, 131], -9.787245750427246, [
        ['су', [209, 129, 209, 131], -9.787245750427246],
        [' Hello', [32, 72, 101, 108, 108, 111], -9.793990135192871],
      ]),
    ],
  },
  {
    type: 'delta',
    index: 0,
    text: ' polity',
    logprobs: [
      lp(' polity', POLITY, -9.683052062988281, [
        [' polity', POLITY, -9.683052062988281],
        ['ов', [208, 190, 208, 178], -9.76308536529541],
      ]),
    ],
  },
  {
    type: 'delta',
    index: 0,
    text: ' polity',
    logprobs: [
      lp(' polity', POLITY, -9.728784561157227, [
        [' polity', POLITY, -9.728784561157227],
        ['processing', [112, 114, 111, 99, 101, 115, 115, 105, 110, 103], -9.734150886535645],
      ]),
    ],
  },
];

const GOLDEN: { fixture: string; req: ChatRequest; events: StreamEvent[] }[] = [
  {
    fixture: 'chat-stream-usage.http',
    req: chatRequest(),
    events: [
      text('mittel'),
      text('су'),
      ...Array.from({ length: 4 }, () => text(' polity')),
      { type: 'usage', promptTokens: 33, completionTokens: 6, cachedTokens: 10 },
      { type: 'done', choices: [{ index: 0, finishReason: 'length' }] },
    ],
  },
  {
    fixture: 'chat-stream-logprobs.http',
    req: chatRequest({ sampling: { stop: [], n: 1, logprobs: { top: 2 } } }),
    events: [...LOGPROB_DELTAS, { type: 'done', choices: [{ index: 0, finishReason: 'length' }] }],
  },
  {
    fixture: 'chat-stream-midstream-error.http',
    req: chatRequest(),
    events: [
      ...MIDSTREAM_TEXTS.map((t) => text(t)),
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'The model produced output that does not match the expected Content-only format',
        retryable: true,
        afterOutput: true,
      },
    ],
  },
];

describe('llama.cpp stream parsing (golden fixtures)', () => {
  describe.each(GOLDEN)('$fixture', ({ fixture, req, events }) => {
    it.each([
      ['all at once', Infinity],
      ['1 byte at a time', 1],
      ['7 bytes at a time', 7],
      ['64 bytes at a time', 64],
    ])('yields the canonical events when fed %s', (_label, size) => {
      expect(parseBytes(fixtureBody(fixture), size, req)).toEqual(events);
    });
  });

  it('keeps only the alternatives the client asked for (top 0: the chosen token alone)', () => {
    const events = parseBytes(
      fixtureBody('chat-stream-logprobs.http'),
      64,
      chatRequest({ sampling: { stop: [], n: 1, logprobs: { top: 0 } } }),
    );
    const deltas = events.filter((e) => e.type === 'delta');
    expect(deltas.map((e) => e.logprobs?.map((l) => [l.token, l.top.length]))).toEqual([
      [['mittel', 0]],
      [['су', 0]],
      [[' polity', 0]],
      [[' polity', 0]],
    ]);
  });
});

describe('llama.cpp in-band stream errors', () => {
  it.each([
    [
      'a 4xx-coded error',
      { code: 400, message: 'bad', type: 'invalid_request_error' },
      'SY_ENGINE_REJECTED',
      'bad',
    ],
    [
      'a typed error without code',
      { message: 'busy', type: 'unavailable_error' },
      'SY_ENGINE_UNAVAILABLE',
      'busy',
    ],
    ['a plain string error', 'boom', 'SY_ENGINE_ERROR', 'boom'],
  ])('maps %s', (_name, error, code, message) => {
    expect(parseText(`data: ${JSON.stringify({ error })}\n\n`)).toEqual([
      {
        type: 'error',
        code,
        message,
        retryable: code !== 'SY_ENGINE_REJECTED',
        afterOutput: false,
      },
    ]);
  });
});

describe('llama.cpp usage with n > 1', () => {
  it('adds up the usage chunk each choice’s task ends with', () => {
    const chunk = (body: object) =>
      `data: ${JSON.stringify({ object: 'chat.completion.chunk', ...body })}\n\n`;
    const usage = (completion: number, cached: number) => ({
      choices: [],
      usage: {
        completion_tokens: completion,
        prompt_tokens: 29,
        total_tokens: 29 + completion,
        prompt_tokens_details: { cached_tokens: cached },
      },
    });
    const stream =
      chunk({ choices: [{ index: 0, delta: { content: 'a' }, finish_reason: null }] }) +
      chunk({ choices: [{ index: 1, delta: { content: 'b' }, finish_reason: null }] }) +
      chunk({ choices: [{ index: 1, delta: {}, finish_reason: 'stop' }] }) +
      chunk(usage(3, 28)) +
      chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'length' }] }) +
      chunk(usage(4, 10)) +
      'data: [DONE]\n\n';
    const req = chatRequest({ sampling: { stop: [], n: 2 } });
    expect(parseText(stream, req)).toEqual([
      text('a'),
      text('b', 1),
      { type: 'usage', promptTokens: 29, completionTokens: 7, cachedTokens: 28 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'length' },
          { index: 1, finishReason: 'stop' },
        ],
      },
    ]);
  });
});
