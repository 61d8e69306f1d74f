import type { StreamEvent, SwitchyardError, TokenLogprob, UsageEvent } from '@switchyard/contracts';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { openaiErrorBody } from './openai.errors';

/** Shared pieces of OpenAI's response objects (openai-openapi `CompletionUsage`, `ChatCompletionTokenLogprob`). */

export function usageBody(u: UsageEvent) {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.promptTokens + u.completionTokens,
    ...(u.cachedTokens !== undefined
      ? { prompt_tokens_details: { cached_tokens: u.cachedTokens } }
      : {}),
    ...(u.reasoningTokens !== undefined
      ? { completion_tokens_details: { reasoning_tokens: u.reasoningTokens } }
      : {}),
  };
}

export function chatLogprobs(lps: readonly TokenLogprob[]) {
  return {
    content: lps.map((lp) => ({
      token: lp.token,
      logprob: lp.logprob,
      bytes: lp.bytes,
      top_logprobs: lp.top.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes })),
    })),
    refusal: null,
  };
}

/** The legacy completions logprobs shape: parallel arrays and one top-alternatives map per token. */
export function completionLogprobs(lps: readonly TokenLogprob[], textOffsetStart: number) {
  let offset = textOffsetStart;
  const text_offset: number[] = [];
  for (const lp of lps) {
    text_offset.push(offset);
    offset += lp.token.length;
  }
  return {
    tokens: lps.map((lp) => lp.token),
    token_logprobs: lps.map((lp) => lp.logprob),
    top_logprobs: lps.map((lp) => Object.fromEntries(lp.top.map((t) => [t.token, t.logprob]))),
    text_offset,
  };
}

export const sse = (payload: unknown): string => `data: ${JSON.stringify(payload)}\n\n`;
export const SSE_DONE = 'data: [DONE]\n\n';

/** An OpenAI SSE encoder: the route's event encoding, OpenAI's error frame, `[DONE]`. */
export function openaiSseEncoder(event: (e: StreamEvent) => string): StreamEncoder {
  return { event, error: (err: SwitchyardError) => sse(openaiErrorBody(err)), end: () => SSE_DONE };
}

/** The fields every OpenAI response object and chunk starts with. */
export function responseHead(idPrefix: string, object: string, meta: ResponseMeta) {
  return { id: `${idPrefix}-${meta.requestId}`, object, created: meta.created, model: meta.model };
}
