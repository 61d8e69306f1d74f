import { randomInt } from 'node:crypto';
import type { TokenProbs, TokenProb } from '../../core/fake-logprobs';
import type { ChoiceResult } from '../../core/generation-runner';
import { f64, type JsonObject, type JsonValue } from '../../core/json-writer';
import type { SequenceStats } from '../../core/sequence';
import { countTokens, pieceBytes } from '../../core/tokenizer';

/** Pieces shared by llama.cpp's response shapes (`server-task.cpp`). */

/** `build_info` of a build without git metadata, as in the recorded transcripts. */
export const BUILD_INFO = 'b0-unknown';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomAlphanumeric(length: number): string {
  return Array.from({ length }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
}

/** Both OpenAI-style routes use the `chatcmpl-` prefix. */
export const completionId = (): string => `chatcmpl-${randomAlphanumeric(32)}`;

/** `gen_tool_call_id()`: 32 random alphanumerics, no prefix. */
export const toolCallId = (): string => randomAlphanumeric(32);

/** Unix seconds, taken when each record is built, as llama.cpp does. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);

/** `length` when cut at the limit; otherwise `tool_calls` if the choice called a tool. */
export function finishReason(result: ChoiceResult): 'stop' | 'length' | 'tool_calls' {
  if (result.stopType === 'limit') return 'length';
  return result.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

export function timingsJson(stats: SequenceStats): JsonObject {
  const { cacheN, promptN, promptMs, predictedN, predictedMs } = stats;
  return {
    cache_n: cacheN,
    prompt_n: promptN,
    prompt_ms: f64(promptMs),
    prompt_per_token_ms: f64(promptMs / promptN),
    prompt_per_second: f64((1e3 / promptMs) * promptN),
    predicted_n: predictedN,
    predicted_ms: f64(predictedMs),
    predicted_per_token_ms: f64(predictedMs / predictedN),
    predicted_per_second: f64((1e3 / predictedMs) * predictedN),
  };
}

export function usageJson(stats: SequenceStats): JsonObject {
  return {
    completion_tokens: stats.predictedN,
    prompt_tokens: stats.promptTokens,
    total_tokens: stats.predictedN + stats.promptTokens,
    prompt_tokens_details: { cached_tokens: stats.cacheN },
  };
}

function probJson(prob: TokenProb): JsonObject {
  return {
    id: prob.id,
    token: prob.text,
    bytes: pieceBytes(prob.text),
    logprob: f64(prob.logprob),
  };
}

export function probsJson(probs: readonly TokenProbs[]): JsonValue {
  return probs.map((p) => ({ ...probJson(p.chosen), top_logprobs: p.top.map(probJson) }));
}

/**
 * Logprobs of a finished choice; a non-streamed answer cut by a stop string leaves out as many
 * trailing entries as the stop string has tokens, like llama.cpp.
 */
export function finalProbs(result: ChoiceResult, streamed: boolean): readonly TokenProbs[] {
  if (streamed || result.stopType !== 'word') return result.probs;
  const drop = Math.min(result.probs.length, countTokens(result.stoppingWord));
  return result.probs.slice(0, result.probs.length - drop);
}

/** Appends `timings` to the last record, where llama.cpp puts it. */
export function withTimingsOnLast(records: JsonObject[], stats: SequenceStats): JsonObject[] {
  const last = records.at(-1);
  if (!last) return records;
  return [...records.slice(0, -1), { ...last, timings: timingsJson(stats) }];
}
