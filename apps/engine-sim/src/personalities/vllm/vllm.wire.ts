import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ChoiceResult } from '../../core/generation-runner';
import { formatDouble, JsonFloat, type JsonObject, type JsonValue } from '../../core/json-writer';
import { readString, type Body } from '../../core/request-fields';

/** Pieces shared by vLLM's response shapes (`vllm/entrypoints/openai/`). */

/** The release whose shapes the personality follows: `reasoning` only, `vllm:kv_cache_*` names. */
export const VLLM_VERSION = '0.17.0';

/** `random_uuid()`: a uuid4 as 32 hex digits. */
export const randomHex = (): string => randomUUID().replaceAll('-', '');

/** Unix seconds, taken once per response: every chunk of a stream repeats it. */
export const unixNow = (): number => Math.floor(Date.now() / 1000);

/** `_base_request_id`: the body's `request_id`, else the `X-Request-Id` header, else random. */
export function baseRequestId(body: Body, req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  const fromHeader = typeof header === 'string' && header !== '' ? header : randomHex();
  return readString(body, 'request_id', fromHeader);
}

/** Tool-call ids from `make_tool_call_id()`. */
export const toolCallId = (): string => `chatcmpl-tool-${randomHex()}`;

/** The engine's own finish reasons, as `vllm:request_success_total` labels them. */
export const VLLM_FINISH_REASONS = ['stop', 'length', 'abort', 'error', 'repetition'] as const;
export type VllmFinishReason = (typeof VLLM_FINISH_REASONS)[number];

export function engineFinishReason(result: ChoiceResult): VllmFinishReason {
  return result.stopType === 'limit' ? 'length' : 'stop';
}

/** Chat serving reports `tool_calls` where the engine said `stop` and the parser found a call. */
export function finishReason(result: ChoiceResult): 'stop' | 'length' | 'tool_calls' {
  if (engineFinishReason(result) === 'length') return 'length';
  return result.toolCalls.length > 0 ? 'tool_calls' : 'stop';
}

/** `stop_reason`: the stop string that ended the choice, null otherwise (EOS, length). */
export const stopReason = (result: ChoiceResult): string | null =>
  result.stopType === 'word' ? result.stoppingWord : null;

/** `UsageInfo` with only the set fields, in its field order. */
export function usageJson(promptTokens: number, completionTokens: number): JsonObject {
  return {
    prompt_tokens: promptTokens,
    total_tokens: promptTokens + completionTokens,
    completion_tokens: completionTokens,
  };
}

/** `UsageInfo.model_dump()` of a non-streamed response: every field, unset ones as null. */
export const fullUsageJson = (promptTokens: number, completionTokens: number): JsonObject => ({
  ...usageJson(promptTokens, completionTokens),
  prompt_tokens_details: null,
});

/**
 * Python's `json.dumps` with its defaults, which vLLM uses for in-band stream errors and the demo
 * server's stream lines: `", "` and `": "` separators and every non-ASCII character escaped.
 */
export function pythonJson(value: JsonValue): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') {
    return typeof value === 'number' && !Number.isInteger(value)
      ? formatDouble(value)
      : String(value);
  }
  if (typeof value === 'string') return asciiString(value);
  if (value instanceof JsonFloat) return formatDouble(value.value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const members = Object.entries(value as JsonObject).flatMap(([key, member]) =>
    member === undefined ? [] : [`${asciiString(key)}: ${pythonJson(member)}`],
  );
  return `{${members.join(', ')}}`;
}

function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u0080-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
