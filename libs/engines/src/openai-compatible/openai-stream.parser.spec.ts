import type { StreamEvent } from '@switchyard/contracts';
import { createOpenAiStreamParser, type OpenAiStreamOptions } from './openai-stream.parser';
import { createSseReader } from '../shared/sse-reader';

const options: OpenAiStreamOptions = {
  mapError: (error) => ({ code: 'SY_ENGINE_ERROR', message: JSON.stringify(error) }),
};

/** Runs a whole SSE body through the reader and a fresh parser. */
function parseText(body: string): StreamEvent[] {
  const reader = createSseReader();
  const parser = createOpenAiStreamParser(options);
  const records = [...reader.push(body), ...reader.end()];
  return [...records.flatMap((r) => parser.push(r)), ...parser.end()];
}

const text = (t: string, index = 0): StreamEvent => ({ type: 'delta', index, text: t });

const chunk = (choices: unknown[], extra: Record<string, unknown> = {}): string =>
  `data: ${JSON.stringify({ object: 'chat.completion.chunk', choices, ...extra })}\n\n`;

describe('createOpenAiStreamParser', () => {
  it('reports an interrupted stream, with afterOutput when text was produced', () => {
    const body = chunk([{ index: 0, delta: { content: 'Hel' }, finish_reason: null }]);
    expect(parseText(body)).toEqual([
      text('Hel'),
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine closed the stream before it finished',
        retryable: false,
        afterOutput: true,
      },
    ]);
    expect(parseText(chunk([{ index: 0, delta: { role: 'assistant', content: null } }]))).toEqual([
      {
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: 'engine closed the stream before it finished',
        retryable: false,
        afterOutput: false,
      },
    ]);
  });

  it('discards a record cut off mid-event and reports the interruption', () => {
    const body = chunk([{ index: 0, delta: { content: 'a' } }]) + 'data: {"choices":[{"ind';
    expect(parseText(body).map((e) => e.type)).toEqual(['delta', 'error']);
    expect(parseText(body).at(-1)).toMatchObject({
      code: 'SY_STREAM_INTERRUPTED',
      afterOutput: true,
    });
  });

  it('maps reasoning (both field names), tool-call fragments and interleaved choices', () => {
    const body = [
      chunk([{ index: 0, delta: { reasoning_content: 'think' } }]),
      chunk([{ index: 1, delta: { reasoning: 'ponder' } }]),
      chunk([
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index: 0,
                id: 'call_1',
                type: 'function',
                function: { name: 'get', arguments: '' },
              },
            ],
          },
        },
      ]),
      chunk([
        { index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"a":1}' } }] } },
      ]),
      chunk([{ index: 1, delta: { content: 'hi' }, finish_reason: 'stop' }]),
      chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
      chunk([], {
        usage: {
          prompt_tokens: 5,
          completion_tokens: 7,
          completion_tokens_details: { reasoning_tokens: 2 },
        },
      }),
      'data: [DONE]\n\n',
    ].join('');
    expect(parseText(body)).toEqual([
      { type: 'delta', index: 0, reasoning: 'think' },
      { type: 'delta', index: 1, reasoning: 'ponder' },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, id: 'call_1', name: 'get' }] },
      { type: 'delta', index: 0, toolCalls: [{ index: 0, arguments: '{"a":1}' }] },
      text('hi', 1),
      { type: 'usage', promptTokens: 5, completionTokens: 7, reasoningTokens: 2 },
      {
        type: 'done',
        choices: [
          { index: 0, finishReason: 'tool_calls' },
          { index: 1, finishReason: 'stop' },
        ],
      },
    ]);
  });

  it('reads text-completion chunks and maps unknown finish reasons to stop', () => {
    const body =
      chunk([{ index: 0, text: 'abc', logprobs: null, finish_reason: null }]) +
      chunk([{ index: 0, text: '', finish_reason: 'abort' }]) +
      'data: [DONE]\n\n';
    expect(parseText(body)).toEqual([
      text('abc'),
      { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    ]);
  });

  it('ends at the first terminal event and ignores anything after it', () => {
    const body = 'data: [DONE]\n\n' + chunk([{ index: 0, delta: { content: 'late' } }]);
    expect(parseText(body)).toEqual([
      { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    ]);
  });

  it('fails on a record that is not JSON', () => {
    expect(parseText('data: {oops\n\n')).toEqual([
      {
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        message: 'engine sent a malformed stream record',
        retryable: true,
        afterOutput: false,
      },
    ]);
  });
});
