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
  parseStreamAtCuts,
} from '@switchyard/testing';
import { ollamaAdapter } from './ollama.adapter';
import { createRecordReader } from '../shared/record-readers';

const OLLAMA = { adapter: ollamaAdapter, createRecordReader };
const base = { id: 'req1', model: 'llama3.1:8b', stream: true, includeUsage: true };
const chat = (sampling: Partial<SamplingParams> = {}): ChatRequest =>
  chatRequest({ ...base, sampling });
const completion = (sampling: Partial<SamplingParams> = {}): CompletionRequest =>
  completionRequest({ ...base, prompt: 'Why is the sky blue?', sampling });

/** Body bytes of a hand-written `.http` fixture (status line and headers stripped). */
const fixtureBody = (name: string): Buffer => httpFixture('ollama', name).bytes;

/** Feeds the bytes cut at `cuts` through a streaming UTF-8 decoder, the NDJSON reader and a parser. */
const parseCut = (bytes: Buffer, req: GenerationRequest, cuts: number[]): StreamEvent[] =>
  parseStreamAtCuts(OLLAMA, req, bytes, cuts);

const everyNth = (length: number, n: number): number[] =>
  Array.from({ length: Math.ceil(length / n) }, (_, i) => i * n).filter((c) => c > 0);

/** Cut points of each chunking: fixed sizes (1 and 2 split every multibyte character) and line ends. */
const CHUNKINGS: [string, (bytes: Buffer) => number[]][] = [
  ['1-byte chunks', (b) => everyNth(b.length, 1)],
  ['2-byte chunks', (b) => everyNth(b.length, 2)],
  ['5-byte chunks', (b) => everyNth(b.length, 5)],
  ['64-byte chunks', (b) => everyNth(b.length, 64)],
  ['one chunk', () => []],
  ['chunks ending just before each newline', (b) => newlines(b)],
  ['chunks ending just after each newline', (b) => newlines(b).map((i) => i + 1)],
];

function newlines(bytes: Buffer): number[] {
  const at: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) at.push(i);
  return at;
}

const text = (t: string): StreamEvent => ({ type: 'delta', index: 0, text: t });
const reasoning = (t: string): StreamEvent => ({ type: 'delta', index: 0, reasoning: t });
const usage = (promptTokens: number, completionTokens: number): StreamEvent => ({
  type: 'usage',
  promptTokens,
  completionTokens,
});
const done = (finishReason: 'stop' | 'length' | 'tool_calls'): StreamEvent => ({
  type: 'done',
  choices: [{ index: 0, finishReason }],
});

const CASES: [string, GenerationRequest, StreamEvent[]][] = [
  [
    'chat-stream-thinking.http',
    chat(),
    [
      reasoning('The user'),
      reasoning(' greets me in German.'),
      text('Grüß'),
      text(' dich'),
      text(' 🌍!'),
      usage(12, 24),
      done('stop'),
    ],
  ],
  [
    'chat-stream-tools.http',
    chat(),
    [
      {
        type: 'delta',
        index: 0,
        toolCalls: [
          {
            index: 0,
            id: 'call_req1_0',
            name: 'get_weather',
            arguments: '{"city":"São Paulo","unit":"celsius"}',
          },
          {
            index: 1,
            id: 'call_req1_1',
            name: 'get_time',
            arguments: '{"timezone":"America/Sao_Paulo"}',
          },
        ],
      },
      usage(231, 41),
      done('tool_calls'),
    ],
  ],
  [
    'chat-stream-tool-ids.http',
    chat(),
    [
      text('Let me check.'),
      {
        type: 'delta',
        index: 0,
        toolCalls: [
          { index: 0, id: 'call_k3v9x2aq', name: 'get_weather', arguments: '{"city":"Oslo"}' },
        ],
      },
      usage(180, 30),
      done('tool_calls'),
    ],
  ],
  [
    'chat-stream-error.http',
    chat(),
    [
      text('Once'),
      text(' upon'),
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'an error was encountered while running the model: unexpected EOF',
        retryable: true,
        afterOutput: true,
      },
    ],
  ],
  [
    'generate-stream.http',
    completion(),
    [
      text('Der'),
      text(' Himmel'),
      text(' ist'),
      text(' blau — 蓝色'),
      text('.'),
      usage(15, 5),
      done('stop'),
    ],
  ],
  // prompt_eval_count is omitted when zero (a fully cached prompt).
  [
    'generate-stream-cached.http',
    completion(),
    [text('Der'), text(' Himmel'), usage(0, 2), done('length')],
  ],
  [
    'generate-stream-logprobs.http',
    completion({ logprobs: { top: 1 } }),
    [
      {
        type: 'delta',
        index: 0,
        text: 'Hi',
        logprobs: [
          {
            token: 'Hi',
            logprob: -0.2,
            bytes: [72, 105],
            top: [{ token: 'Hi', logprob: -0.2, bytes: [72, 105] }],
          },
        ],
      },
      usage(4, 1),
      done('length'),
    ],
  ],
  ['generate-load.http', completion(), [usage(0, 0), done('stop')]],
];

describe('ollamaAdapter stream parsing (golden fixtures through the NDJSON reader)', () => {
  describe.each(CASES)('%s', (name, req, expected) => {
    it.each(CHUNKINGS)('yields the canonical events from %s', (_how, cuts) => {
      const bytes = fixtureBody(name);
      expect(parseCut(bytes, req, cuts(bytes))).toEqual(expected);
    });

    it('yields the same events when the last line has no newline', () => {
      const bytes = fixtureBody(name);
      expect(parseCut(bytes.subarray(0, bytes.length - 1), req, [])).toEqual(expected);
    });
  });

  it('reports a stream that ends before the done line', () => {
    const body = fixtureBody('generate-stream.http').toString('utf8');
    const cut = Buffer.from(body.slice(0, body.lastIndexOf('{"model"')));
    expect(parseCut(cut, completion(), []).slice(-2)).toEqual([
      text('.'),
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine closed the stream before it finished',
        retryable: false,
        afterOutput: true,
      },
    ]);
  });

  it.each([
    ['a line that is not JSON', '<html>', 'engine sent a malformed stream record'],
    [
      'an error line before any output',
      '{"error":"model runner has unexpectedly stopped"}',
      'model runner has unexpectedly stopped',
    ],
    ['an empty error', '{"error":""}', 'engine reported an error'],
  ])('ends with one error event on %s', (_what, line, message) => {
    const parser = ollamaAdapter.createStreamParser(chat());
    expect([...parser.push(line), ...parser.push('{"done":true}'), ...parser.end()]).toEqual([
      { type: 'error', code: 'SY_ENGINE_ERROR', message, retryable: true, afterOutput: false },
    ]);
  });

  it('keeps string arguments and numbers calls across lines', () => {
    const parser = ollamaAdapter.createStreamParser(chat());
    const line = (call: object) => JSON.stringify({ message: { content: '', tool_calls: [call] } });
    expect([
      ...parser.push(line({ function: { name: 'a', arguments: '{"x":1}' } })),
      ...parser.push(line({ id: '', function: { name: 'b' } })),
    ]).toEqual([
      {
        type: 'delta',
        index: 0,
        toolCalls: [{ index: 0, id: 'call_req1_0', name: 'a', arguments: '{"x":1}' }],
      },
      {
        type: 'delta',
        index: 0,
        toolCalls: [{ index: 1, id: 'call_req1_1', name: 'b', arguments: '{}' }],
      },
    ]);
  });

  it('keeps a length finish when the turn called tools', () => {
    const parser = ollamaAdapter.createStreamParser(chat());
    parser.push(
      JSON.stringify({ message: { tool_calls: [{ function: { name: 'a', arguments: {} } }] } }),
    );
    expect(parser.push('{"done":true,"done_reason":"length","eval_count":9}')).toEqual([
      usage(0, 9),
      done('length'),
    ]);
  });
});
