import type { TokenProb, TokenProbs } from '../../core/fake-logprobs';
import { f64, type JsonObject, type JsonValue } from '../../core/json-writer';
import { pieceBytes } from '../../core/tokenizer';

/**
 * Logprobs as MindIE's vLLM-mode routes encode them (`EncodeLogprobs*` in the chat and
 * completions interfaces): OpenAI's chat `content` list, and the legacy completions arrays.
 */

function chatEntry(prob: TokenProb): JsonObject {
  return { token: prob.text, logprob: f64(prob.logprob), bytes: pieceBytes(prob.text) };
}

/** `{"content": [...]}`, or null when the request asked for none. */
export function chatLogprobs(probs: readonly TokenProbs[]): JsonValue {
  if (probs.length === 0) return null;
  return {
    content: probs.map((p) => ({ ...chatEntry(p.chosen), top_logprobs: p.top.map(chatEntry) })),
  };
}

/**
 * `{text_offset, token_logprobs, tokens, top_logprobs}` for these tokens, offsets in bytes from
 * `offset`; null when the request asked for none.
 */
export function completionLogprobs(probs: readonly TokenProbs[], offset: number): JsonValue {
  if (probs.length === 0) return null;
  let at = offset;
  const offsets = probs.map(({ chosen }) => {
    const start = at;
    at += Buffer.byteLength(chosen.text);
    return start;
  });
  return {
    text_offset: offsets,
    token_logprobs: probs.map((p) => f64(p.chosen.logprob)),
    tokens: probs.map((p) => p.chosen.text),
    top_logprobs: probs.map((p) => {
      // The chosen token leads; an alternative with the same text is not repeated.
      const entries = new Map<string, JsonValue>();
      for (const t of [p.chosen, ...p.top]) {
        if (!entries.has(t.text)) entries.set(t.text, f64(t.logprob));
      }
      return Object.fromEntries(entries);
    }),
  };
}
