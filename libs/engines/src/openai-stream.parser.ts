import type {
  DeltaEvent,
  ErrorCode,
  FinishReason,
  StreamEvent,
  TokenLogprob,
  ToolCallDelta,
  UsageEvent,
} from '@switchyard/contracts';
import type { EngineStreamParser } from './engine-adapter';
import { engineErrorEvent } from './engine-error';
import {
  asArray,
  asNumber,
  asString,
  isObject,
  tryParseJson,
  type JsonObject,
} from './json-guards';

/**
 * Stream parser for OpenAI-compatible chat and text-completion chunks (`data: {…}` records
 * ending with `data: [DONE]`), shared by every engine that speaks that protocol.
 */

export interface OpenAiStreamOptions {
  /** Alternatives to keep per token: the engine may have been asked for more than the client wants. */
  topLogprobs?: number;
  /** Maps the `error` member of an in-band error record to a canonical code and message. */
  mapError(error: unknown): { code: ErrorCode; message: string };
}

// https://platform.openai.com/docs/api-reference/chat/streaming — choices[].finish_reason
const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};
const DEFAULT_FINISH: FinishReason = 'stop';

type Alternative = TokenLogprob['top'][number];

export function createOpenAiStreamParser(opts: OpenAiStreamOptions): EngineStreamParser {
  const finishReasons = new Map<number, FinishReason>();
  const choices = new Set<number>();
  let usage: UsageEvent | undefined;
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
        finishReason: finishReasons.get(index) ?? DEFAULT_FINISH,
      })),
    };
    return usage === undefined ? [done] : [usage, done];
  };

  return {
    push(record) {
      if (finished) return [];
      if (record.trim() === '[DONE]') return finish();
      const chunk = tryParseJson(record);
      if (!isObject(chunk)) return fail('SY_ENGINE_ERROR', 'engine sent a malformed stream record');
      const error = inBandError(chunk);
      if (error !== undefined) {
        const mapped = opts.mapError(error);
        return fail(mapped.code, mapped.message);
      }
      if (isObject(chunk.usage)) usage = toUsage(chunk.usage) ?? usage;
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
        if (reason !== undefined)
          finishReasons.set(index, FINISH_REASONS[reason] ?? DEFAULT_FINISH);
      }
      return events;
    },
    end() {
      if (finished) return [];
      return fail('SY_STREAM_INTERRUPTED', 'engine closed the stream before it finished');
    },
  };
}

/** `{"error": …}` (OpenAI, llama.cpp, current vLLM) or the flat `{"object":"error", …}` of older vLLM. */
function inBandError(chunk: JsonObject): unknown {
  if (chunk.error !== undefined && chunk.error !== null) return chunk.error;
  return chunk.object === 'error' ? chunk : undefined;
}

function toDelta(
  index: number,
  choice: JsonObject,
  top: number | undefined,
): DeltaEvent | undefined {
  const delta = isObject(choice.delta) ? choice.delta : {};
  const text = asString(delta.content) ?? asString(choice.text);
  const reasoning = asString(delta.reasoning_content) ?? asString(delta.reasoning);
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
  return asArray(raw.content).flatMap((item) => {
    const chosen = toAlternative(item);
    if (chosen === undefined || !isObject(item)) return [];
    const alternatives = asArray(item.top_logprobs).flatMap((alt) => toAlternative(alt) ?? []);
    return [{ ...chosen, top: top === undefined ? alternatives : alternatives.slice(0, top) }];
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
