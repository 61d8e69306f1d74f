import type {
  DeltaEvent,
  ErrorCode,
  FinishReason,
  StreamEvent,
  TokenLogprob,
  ToolCallDelta,
  UsageEvent,
} from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';
import { engineErrorEvent } from '../shared/engine-error';
import { createUsageTally, type UsageScope } from './openai-stream-usage';
import {
  asArray,
  asNumber,
  asString,
  isObject,
  tryParseJson,
  type JsonObject,
} from '../shared/json-guards';

/**
 * Stream parser for OpenAI-compatible chat and text-completion chunks (`data: {…}` records
 * ending with `data: [DONE]`), shared by every engine that speaks that protocol.
 */

/**
 * What an engine's `finish_reason` means: a canonical reason, or a failure the client must see
 * as an error because the output is not a finished answer.
 */
export type FinishOutcome = FinishReason | { fail: ErrorCode; message: string };
export type FinishReasonTable = Readonly<Record<string, FinishOutcome>>;

export interface OpenAiStreamOptions {
  /** Alternatives to keep per token: the engine may have been asked for more than the client wants. */
  topLogprobs?: number;
  /**
   * Maps the `error` member of an in-band error record to a canonical code and message; the
   * whole record is passed too, for engines whose category sits beside it (MindIE's `error_type`).
   */
  mapError(error: unknown, record: JsonObject): { code: ErrorCode; message: string };
  /** What a chunk's `usage` covers; `request` (the default) unless the engine reports per choice. */
  usageScope?: UsageScope;
  /** The engine's finish reasons; OpenAI's own by default. Unknown values read as `stop`. */
  finishReasons?: FinishReasonTable;
}

// https://platform.openai.com/docs/api-reference/chat/streaming — choices[].finish_reason
export const OPENAI_FINISH_REASONS = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
} as const satisfies FinishReasonTable;
const DEFAULT_FINISH: FinishReason = 'stop';

interface ChoiceEnd {
  finishReason: FinishReason;
  stopSequence?: string;
}

type Alternative = TokenLogprob['top'][number];

export function createOpenAiStreamParser(opts: OpenAiStreamOptions): EngineStreamParser {
  const table: FinishReasonTable = opts.finishReasons ?? OPENAI_FINISH_REASONS;
  const ends = new Map<number, ChoiceEnd>();
  const choices = new Set<number>();
  const usage = createUsageTally(opts.usageScope ?? 'request');
  let output = false;
  let finished = false;

  const fail = (code: ErrorCode, message: string): StreamEvent[] => {
    finished = true;
    return [engineErrorEvent(code, message, output)];
  };

  // Usage is held back to the end: some engines repeat it on every chunk (continuous usage).
  const finish = (): StreamEvent[] => {
    finished = true;
    const indexes = choices.size > 0 ? [...choices].sort((a, b) => a - b) : [0];
    const done: StreamEvent = {
      type: 'done',
      choices: indexes.map((index) => ({
        index,
        ...(ends.get(index) ?? { finishReason: DEFAULT_FINISH }),
      })),
    };
    const total = usage.total();
    return total === undefined ? [done] : [total, done];
  };

  return {
    push(record) {
      if (finished) return [];
      if (record.trim() === '[DONE]') return finish();
      const chunk = tryParseJson(record);
      if (!isObject(chunk)) return fail('SY_ENGINE_ERROR', 'engine sent a malformed stream record');
      const error = inBandError(chunk);
      if (error !== undefined) {
        const mapped = opts.mapError(error, chunk);
        return fail(mapped.code, mapped.message);
      }
      const reading = isObject(chunk.usage) ? toUsage(chunk.usage) : undefined;
      if (reading !== undefined) usage.add(reading, firstChoiceIndex(chunk));
      const events: StreamEvent[] = [];
      for (const choice of asArray(chunk.choices)) {
        if (!isObject(choice)) continue;
        const index = asNumber(choice.index) ?? 0;
        choices.add(index);
        const delta = toDelta(index, choice, opts.topLogprobs);
        if (delta !== undefined) {
          output = true;
          events.push(delta);
        }
        const reason = asString(choice.finish_reason);
        if (reason === undefined) continue;
        const outcome = Object.hasOwn(table, reason) ? table[reason] : undefined;
        if (typeof outcome === 'object') return [...events, ...fail(outcome.fail, outcome.message)];
        ends.set(index, choiceEnd(outcome ?? DEFAULT_FINISH, choice.stop_reason));
      }
      return events;
    },
    end() {
      if (finished) return [];
      return fail('SY_STREAM_INTERRUPTED', 'engine closed the stream before it finished');
    },
  };
}

/** vLLM names the stop string that ended a choice in `stop_reason` (a token id or null otherwise). */
function choiceEnd(finishReason: FinishReason, stopReason: unknown): ChoiceEnd {
  const stopSequence = asString(stopReason);
  return finishReason === 'stop' && stopSequence
    ? { finishReason, stopSequence }
    : { finishReason };
}

/** `{"error": …}` (OpenAI, llama.cpp, current vLLM) or the flat `{"object":"error", …}` of older vLLM. */
function inBandError(chunk: JsonObject): unknown {
  if (chunk.error !== undefined && chunk.error !== null) return chunk.error;
  return chunk.object === 'error' ? chunk : undefined;
}

function firstChoiceIndex(chunk: JsonObject): number {
  const first = asArray(chunk.choices)[0];
  return (isObject(first) ? asNumber(first.index) : undefined) ?? 0;
}

function toDelta(
  index: number,
  choice: JsonObject,
  top: number | undefined,
): DeltaEvent | undefined {
  const delta = isObject(choice.delta) ? choice.delta : {};
  const text = asString(delta.content) ?? asString(choice.text);
  // vLLM sent both names with the same text for a while, and may leave either one empty.
  const reasoning = asString(delta.reasoning_content) || asString(delta.reasoning);
  const toolCalls = asArray(delta.tool_calls).flatMap(toToolCallDelta);
  const logprobs = toTokenLogprobs(choice.logprobs, top);
  if (!text && !reasoning && toolCalls.length === 0 && logprobs.length === 0) return undefined;
  const event: DeltaEvent = { type: 'delta', index };
  if (text) event.text = text;
  if (reasoning) event.reasoning = reasoning;
  if (toolCalls.length > 0) event.toolCalls = toolCalls;
  if (logprobs.length > 0) event.logprobs = logprobs;
  return event;
}

function toToolCallDelta(raw: unknown, position: number): ToolCallDelta[] {
  if (!isObject(raw)) return [];
  const fn = isObject(raw.function) ? raw.function : {};
  const call: ToolCallDelta = { index: asNumber(raw.index) ?? position };
  const id = asString(raw.id);
  const name = asString(fn.name);
  const args = asString(fn.arguments);
  if (id) call.id = id;
  if (name) call.name = name;
  if (args) call.arguments = args;
  return [call];
}

function toTokenLogprobs(raw: unknown, top: number | undefined): TokenLogprob[] {
  if (!isObject(raw)) return [];
  if (Array.isArray(raw.tokens)) return toLegacyLogprobs(raw, top);
  return asArray(raw.content).flatMap((item) => {
    const chosen = toAlternative(item);
    if (chosen === undefined || !isObject(item)) return [];
    const alternatives = asArray(item.top_logprobs).flatMap((alt) => toAlternative(alt) ?? []);
    return [{ ...chosen, top: top === undefined ? alternatives : alternatives.slice(0, top) }];
  });
}

/**
 * Text-completion logprobs: `tokens`, `token_logprobs` and `top_logprobs` as `{token: logprob}`
 * maps that may also hold the chosen token. A parsed map is not in rank order (integer-like
 * keys come first), so alternatives are sorted by logprob.
 */
function toLegacyLogprobs(raw: JsonObject, top: number | undefined): TokenLogprob[] {
  const logprobs = asArray(raw.token_logprobs);
  const tops = asArray(raw.top_logprobs);
  return asArray(raw.tokens).flatMap((token, i) => {
    const logprob = asNumber(logprobs[i]);
    if (typeof token !== 'string' || logprob === undefined) return [];
    const map = tops[i];
    const alternatives = (isObject(map) ? Object.entries(map) : [])
      .flatMap(([alt, value]) => {
        const lp = asNumber(value);
        return lp === undefined ? [] : [{ token: alt, logprob: lp, bytes: null }];
      })
      .sort((a, b) => b.logprob - a.logprob);
    return [
      {
        token,
        logprob,
        bytes: null,
        top: top === undefined ? alternatives : alternatives.slice(0, top),
      },
    ];
  });
}

function toAlternative(raw: unknown): Alternative | undefined {
  if (!isObject(raw)) return undefined;
  const token = asString(raw.token);
  const logprob = asNumber(raw.logprob);
  if (token === undefined || logprob === undefined) return undefined;
  return { token, logprob, bytes: toBytes(raw.bytes) };
}

function toBytes(raw: unknown): number[] | null {
  if (!Array.isArray(raw)) return null;
  const bytes = (raw as unknown[]).filter(
    (b): b is number => Number.isInteger(b) && (b as number) >= 0 && (b as number) < 256,
  );
  return bytes.length === raw.length ? bytes : null;
}

function toUsage(raw: JsonObject): UsageEvent | undefined {
  const promptTokens = asNumber(raw.prompt_tokens);
  const completionTokens = asNumber(raw.completion_tokens);
  if (promptTokens === undefined || completionTokens === undefined) return undefined;
  const usage: UsageEvent = { type: 'usage', promptTokens, completionTokens };
  const cached = isObject(raw.prompt_tokens_details)
    ? asNumber(raw.prompt_tokens_details.cached_tokens)
    : undefined;
  const reasoning = isObject(raw.completion_tokens_details)
    ? asNumber(raw.completion_tokens_details.reasoning_tokens)
    : undefined;
  if (cached !== undefined) usage.cachedTokens = cached;
  if (reasoning !== undefined) usage.reasoningTokens = reasoning;
  return usage;
}
