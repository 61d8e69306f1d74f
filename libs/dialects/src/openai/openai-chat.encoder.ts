import type { ChatRequest, StreamEvent, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { chatLogprobs, openaiSseEncoder, responseHead, sse, usageBody } from './openai-wire';

/**
 * `chat.completion.chunk` stream (openai-openapi `CreateChatCompletionStreamResponse`,
 * protocols §1.4): a role chunk per choice, content / reasoning / tool-call / logprob deltas
 * (one choice per chunk, interleaved when n > 1), a finish chunk per choice, the `choices: []`
 * usage chunk when `stream_options.include_usage` was set, then `data: [DONE]`. Every chunk
 * carries `usage: null` when the usage chunk is due, and no `usage` key otherwise.
 */
export function createChatStreamEncoder(req: ChatRequest, meta: ResponseMeta): StreamEncoder {
  const head = responseHead('chatcmpl', 'chat.completion.chunk', meta);
  const usageNull = req.includeUsage ? { usage: null } : {};
  let usage: UsageEvent | null = null;
  let started = false;

  const chunk = (choices: unknown[], extra: object = usageNull) =>
    sse({ ...head, choices, ...extra });
  // One role chunk per choice, as OpenAI and vLLM send them; with n > 1 choices then interleave.
  const roleChunk = () => {
    started = true;
    let out = '';
    for (let index = 0; index < req.sampling.n; index++) {
      out += chunk([
        { index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null },
      ]);
    }
    return out;
  };

  const encodeEvent = (e: StreamEvent): string => {
    switch (e.type) {
      case 'start':
        return started ? '' : roleChunk();
      case 'delta': {
        const delta = {
          ...(e.text !== undefined ? { content: e.text } : {}),
          ...(e.reasoning !== undefined ? { reasoning_content: e.reasoning } : {}),
          ...(e.toolCalls
            ? {
                tool_calls: e.toolCalls.map((t) => ({
                  index: t.index,
                  ...(t.id !== undefined ? { id: t.id, type: 'function' } : {}),
                  function: {
                    ...(t.name !== undefined ? { name: t.name } : {}),
                    arguments: t.arguments ?? '',
                  },
                })),
              }
            : {}),
        };
        const logprobs = e.logprobs ? chatLogprobs(e.logprobs) : null;
        return (
          (started ? '' : roleChunk()) +
          chunk([{ index: e.index, delta, logprobs, finish_reason: null }])
        );
      }
      case 'embedding':
        return '';
      case 'usage':
        usage = e;
        return '';
      case 'done': {
        let out = started ? '' : roleChunk();
        for (const c of e.choices) {
          out += chunk([
            { index: c.index, delta: {}, logprobs: null, finish_reason: c.finishReason },
          ]);
        }
        if (req.includeUsage && usage) out += chunk([], { usage: usageBody(usage) });
        return out;
      }
      case 'error':
        return '';
    }
  };

  return openaiSseEncoder(encodeEvent);
}

export function chatResponse(result: CollectedResult, meta: ResponseMeta) {
  return {
    ...responseHead('chatcmpl', 'chat.completion', meta),
    choices: result.choices.map((c) => ({
      index: c.index,
      message: {
        role: 'assistant',
        content: c.text === '' && c.toolCalls.length > 0 ? null : c.text,
        refusal: null,
        ...(c.reasoning ? { reasoning_content: c.reasoning } : {}),
        ...(c.toolCalls.length > 0
          ? {
              tool_calls: c.toolCalls.map((t) => ({
                id: t.id,
                type: 'function',
                function: { name: t.name, arguments: t.arguments },
              })),
            }
          : {}),
      },
      logprobs: c.logprobs ? chatLogprobs(c.logprobs) : null,
      finish_reason: c.finishReason ?? 'stop',
    })),
    ...(result.usage ? { usage: usageBody(result.usage) } : {}),
  };
}
