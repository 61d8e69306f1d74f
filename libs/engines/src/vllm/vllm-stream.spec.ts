import type { GenerationRequest, StreamEvent } from '@switchyard/contracts';
import {
  chatRequest,
  completionRequest,
  httpFixture,
  parseStreamInChunks,
} from '@switchyard/testing';
import { createRecordReader } from '../shared/record-readers';
import { vllmAdapter } from './vllm.adapter';

const VLLM = { adapter: vllmAdapter, createRecordReader };
const base = { id: 'req-1', model: 'Qwen/Qwen3-8B', stream: true, includeUsage: true };
const chat = chatRequest(base);
const completion = completionRequest({
  ...base,
  prompt: 'The capital of France is',
  sampling: { maxTokens: 6, logprobs: { top: 2 } },
});

/** Body bytes of a fixture response (status line and headers stripped). */
const fixtureBody = (name: string): Buffer => httpFixture('vllm', name).bytes;

/** Raw bytes in fixed-size chunks through a streaming decoder, the SSE reader and the parser. */
const parseBytes = (bytes: Uint8Array, chunkSize: number, req: GenerationRequest): StreamEvent[] =>
  parseStreamInChunks(VLLM, req, bytes, chunkSize);

const parseText = (text: string, req: GenerationRequest = chat): StreamEvent[] =>
  parseBytes(Buffer.from(text, 'utf8'), Infinity, req);

const text = (t: string): StreamEvent => ({ type: 'delta', index: 0, text: t });
const reasoning = (t: string): StreamEvent => ({ type: 'delta', index: 0, reasoning: t });
const usage = (promptTokens: number, completionTokens: number): StreamEvent => ({
  type: 'usage',
  promptTokens,
  completionTokens,
});
const done = (finishReason: 'stop' | 'length' | 'tool_calls', stopSequence?: string) => ({
  type: 'done' as const,
  choices: [{ index: 0, finishReason, ...(stopSequence === undefined ? {} : { stopSequence }) }],
});
const alt = (token: string, logprob: number) => ({ token, logprob, bytes: null });
const step = (token: string, logprob: number, top: ReturnType<typeof alt>[]): StreamEvent => ({
  type: 'delta',
  index: 0,
  text: token,
  logprobs: [{ token, logprob, bytes: null, top }],
});

const CASES: [string, GenerationRequest, StreamEvent[]][] = [
  [
    'chat-stream-reasoning.http',
    chat,
    [
      reasoning('Okay'),
      reasoning(', the user wants 2+2.'),
      reasoning(' That is 4.'),
      text('2 + 2 = '),
      text('4 ✅'),
      usage(14, 38),
      done('stop'),
    ],
  ],
  [
    'chat-stream-reasoning-content.http',
    chat,
    [
      reasoning('Hmm, a greeting.'),
      reasoning(' Answer kindly.'),
      text('Hello 🙂'),
      text(' How can I help?'),
      usage(9, 22),
      done('stop', '\nUser:'),
    ],
  ],
  [
    'chat-stream-reasoning-both.http',
    chat,
    [reasoning('Short question.'), text('Yes.'), usage(11, 8), done('stop')],
  ],
  [
    'chat-stream-tool-call.http',
    chat,
    [
      {
        type: 'delta',
        index: 0,
        toolCalls: [{ index: 0, id: 'chatcmpl-tool-3c9e1f2a7b8d4e6f', name: 'get_weather' }],
      },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"city": "' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: 'Zürich' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '"}' }] },
      usage(182, 21),
      done('tool_calls'),
    ],
  ],
  [
    // The error wins; the `[DONE]` after it is not a second terminal event.
    'chat-stream-midstream-error.http',
    chat,
    [
      text('Once upon'),
      text(' a time'),
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'Internal server error',
        retryable: true,
        afterOutput: true,
      },
    ],
  ],
  [
    'chat-stream-midstream-error-old.http',
    chat,
    [
      {
        type: 'error',
        code: 'SY_ENGINE_REJECTED',
        message: 'Guided decoding could not compile the JSON schema.',
        retryable: false,
        afterOutput: false,
      },
    ],
  ],
  [
    'chat-stream-abort.http',
    chat,
    [
      text('The first'),
      text(' step is'),
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine aborted the request',
        retryable: false,
        afterOutput: true,
      },
    ],
  ],
  [
    // Alternatives sorted by logprob, trimmed to the two asked for (the map also holds the chosen token).
    'completion-stream-logprobs.http',
    completion,
    [
      step(' Paris', -0.0312, [alt(' Paris', -0.0312), alt(' the', -3.71)]),
      step(',', -0.48, [alt(',', -0.48), alt('.', -1.02)]),
      step(' home', -2.31, [alt(' with', -0.52), alt(' a', -1.37)]),
      step(' to', -0.02, [alt(' to', -0.02), alt(' of', -4.1)]),
      step(' 2', -0.9, [alt(' over', -0.7), alt(' 2', -0.9)]),
      step('1', -0.35, [alt('1', -0.35), alt('0', -1.6)]),
      usage(5, 6),
      done('length'),
    ],
  ],
];

const CHUNK_SIZES = [Infinity, 1, 2, 3, 5, 7, 64];

describe('vllmAdapter stream parser', () => {
  it.each(
    CASES.flatMap(([name, req, events]) =>
      CHUNK_SIZES.map((size) => [name, size, req, events] as const),
    ),
  )('reads %s in %p-byte chunks', (name, size, req, events) => {
    expect(parseBytes(fixtureBody(name), size, req)).toEqual(events);
  });

  const finishChunk = (reason: string) =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: reason }] })}\n\ndata: [DONE]\n\n`;

  it.each<[string, StreamEvent]>([
    [
      'error',
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'engine failed while generating',
        retryable: true,
        afterOutput: false,
      },
    ],
    [
      'abort',
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine aborted the request',
        retryable: false,
        afterOutput: false,
      },
    ],
    ['repetition', done('stop')],
    ['length', done('length')],
    ['something_new', done('stop')],
  ])('maps finish reason %p before any output', (reason, event) => {
    expect(parseText(finishChunk(reason))).toEqual([event]);
  });

  it('reads reasoning under the new name when the old one is present but empty', () => {
    const body = `data: ${JSON.stringify({ choices: [{ index: 0, delta: { reasoning_content: '', reasoning: 'x' } }] })}\n\ndata: [DONE]\n\n`;
    expect(parseText(body)).toEqual([reasoning('x'), done('stop')]);
  });

  it('ignores a stop_reason that is a token id', () => {
    const body = `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'stop', stop_reason: 151645 }] })}\n\ndata: [DONE]\n\n`;
    expect(parseText(body)).toEqual([done('stop')]);
  });

  it('keeps the last usage when the server repeats it on every chunk (continuous_usage_stats)', () => {
    const chunk = (content: string, completionTokens: number, finish: string | null = null) =>
      `data: ${JSON.stringify({
        choices: [{ index: 0, delta: { content }, finish_reason: finish }],
        usage: {
          prompt_tokens: 3,
          completion_tokens: completionTokens,
          total_tokens: 3 + completionTokens,
        },
      })}\n\n`;
    const body = chunk('a', 1) + chunk('b', 2, 'stop') + 'data: [DONE]\n\n';
    expect(parseText(body)).toEqual([text('a'), text('b'), usage(3, 2), done('stop')]);
  });
});
