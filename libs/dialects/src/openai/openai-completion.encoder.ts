import type { CompletionRequest, StreamEvent, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { completionLogprobs, openaiSseEncoder, responseHead, sse, usageBody } from './openai-wire';

/** Legacy completions: streamed chunks have the same `text_completion` shape as the response. */
export function createCompletionStreamEncoder(
  req: CompletionRequest,
  meta: ResponseMeta,
): StreamEncoder {
  const head = responseHead('cmpl', 'text_completion', meta);
  const offsets = new Map<number, number>();
  let usage: UsageEvent | null = null;

  const encodeEvent = (e: StreamEvent): string => {
    switch (e.type) {
      case 'delta': {
        if (e.text === undefined && !e.logprobs) return '';
        const start = offsets.get(e.index) ?? 0;
        offsets.set(e.index, start + (e.text?.length ?? 0));
        const logprobs = e.logprobs ? completionLogprobs(e.logprobs, start) : null;
        return sse({
          ...head,
          choices: [{ text: e.text ?? '', index: e.index, logprobs, finish_reason: null }],
        });
      }
      case 'embedding':
        return '';
      case 'usage':
        usage = e;
        return '';
      case 'done': {
        let out = '';
        for (const c of e.choices) {
          out += sse({
            ...head,
            choices: [{ text: '', index: c.index, logprobs: null, finish_reason: c.finishReason }],
          });
        }
        if (req.includeUsage && usage)
          out += sse({ ...head, choices: [], usage: usageBody(usage) });
        return out;
      }
      case 'start':
      case 'error':
        return '';
    }
  };

  return openaiSseEncoder(encodeEvent);
}

export function completionResponse(result: CollectedResult, meta: ResponseMeta) {
  return {
    ...responseHead('cmpl', 'text_completion', meta),
    choices: result.choices.map((c) => ({
      text: c.text,
      index: c.index,
      logprobs: c.logprobs ? completionLogprobs(c.logprobs, 0) : null,
      finish_reason: c.finishReason ?? 'stop',
    })),
    ...(result.usage ? { usage: usageBody(result.usage) } : {}),
  };
}
