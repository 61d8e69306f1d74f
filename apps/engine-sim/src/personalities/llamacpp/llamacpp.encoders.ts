import type { ChoiceResult, TokenEvent, ToolCallDelta } from '../../core/generation-runner';
import type { JsonObject, JsonValue } from '../../core/json-writer';
import type { GenerationRouteKind, LlamacppTask } from './llamacpp.request';
import { settingsJson } from './llamacpp.settings';
import { BOS_PIECE } from '../../core/tokenizer';
import {
  BUILD_INFO,
  finalProbs,
  finishReason,
  probsJson,
  timingsJson,
  unixNow,
  usageJson,
  withTimingsOnLast,
} from './llamacpp.wire';

/**
 * llama.cpp's record shapes per generation route (`server-task.cpp`: `to_json_oaicompat_chat*`,
 * `to_json_oaicompat`, `to_json_non_oaicompat`), one encoder each.
 */

export interface ResponseMeta {
  readonly id: string;
  readonly model: string;
  readonly task: LlamacppTask;
}

export interface LlamacppEncoder {
  /** Stream records for one decoded token (possibly none). */
  partial(event: TokenEvent, meta: ResponseMeta): JsonObject[];
  /** Stream records closing one choice. */
  final(result: ChoiceResult, meta: ResponseMeta): JsonObject[];
  /** The whole non-streamed response. */
  body(results: readonly ChoiceResult[], meta: ResponseMeta): JsonValue;
  /** Whether the stream ends with `data: [DONE]`. */
  readonly doneMarker: boolean;
}

/** Per-token timings ride along when asked for, and on the token that hit a stop string. */
function partialTimings(event: TokenEvent, meta: ResponseMeta): boolean {
  return meta.task.timingsPerToken || event.stoppedByWord;
}

const chatChunk = (
  meta: ResponseMeta,
  choices: JsonValue[],
  extra: JsonObject = {},
): JsonObject => ({
  choices,
  created: unixNow(),
  id: meta.id,
  model: meta.model,
  system_fingerprint: BUILD_INFO,
  object: 'chat.completion.chunk',
  ...extra,
});

/** One delta per part that changed, as `common_chat_msg_diff_to_json_oaicompat` emits them. */
function chatDeltas(event: TokenEvent): JsonObject[] {
  const deltas: JsonObject[] = [];
  if (event.nDecoded === 1) deltas.push({ role: 'assistant', content: null });
  if (event.reasoning !== '') deltas.push({ reasoning_content: event.reasoning });
  if (event.text !== '') deltas.push({ content: event.text });
  if (event.toolCall) deltas.push({ tool_calls: [toolCallDeltaJson(event.toolCall)] });
  return deltas;
}

function toolCallDeltaJson(call: ToolCallDelta): JsonObject {
  const { index, arguments: fragment } = call;
  if (!call.first) return { index, function: { arguments: fragment } };
  return {
    index,
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: fragment },
  };
}

/** `common_chat_msg::to_json_oaicompat`: content is null when the message only calls tools. */
function messageJson(result: ChoiceResult): JsonObject {
  const calls = result.toolCalls;
  return {
    role: 'assistant',
    reasoning_content: result.reasoning === '' ? undefined : result.reasoning,
    content: result.content === '' && calls.length > 0 ? null : result.content,
    tool_calls:
      calls.length === 0
        ? undefined
        : calls.map((call) => ({
            type: 'function',
            function: { name: call.name, arguments: call.arguments },
            id: call.id,
          })),
  };
}

const chat: LlamacppEncoder = {
  partial(event, meta) {
    const deltas = chatDeltas(event);
    const chunks = deltas.map((delta, i) => {
      const logprobs =
        i === deltas.length - 1 && event.probs ? { content: probsJson([event.probs]) } : undefined;
      return chatChunk(meta, [{ finish_reason: null, index: event.index, delta, logprobs }]);
    });
    return partialTimings(event, meta) ? withTimingsOnLast(chunks, event.stats()) : chunks;
  },
  final(result, meta) {
    const chunks: JsonObject[] = [];
    if (result.unsent !== '') {
      const delta = { content: result.unsent };
      chunks.push(chatChunk(meta, [{ finish_reason: null, index: result.index, delta }]));
    }
    const finish = { finish_reason: finishReason(result), index: result.index, delta: {} };
    chunks.push(chatChunk(meta, [finish]));
    if (meta.task.includeUsage) {
      chunks.push(chatChunk(meta, [], { usage: usageJson(result.stats) }));
    }
    return withTimingsOnLast(chunks, result.stats);
  },
  body(results, meta) {
    const first = firstResult(results);
    return {
      choices: results.map((r) => {
        const probs = finalProbs(r, false);
        return {
          finish_reason: finishReason(r),
          index: r.index,
          message: messageJson(r),
          logprobs: probs.length > 0 ? { content: probsJson(probs) } : undefined,
        };
      }),
      created: unixNow(),
      model: meta.model,
      system_fingerprint: BUILD_INFO,
      object: 'chat.completion',
      usage: usageJson(first.stats),
      id: meta.id,
      timings: timingsJson(first.stats),
    };
  },
  doneMarker: true,
};

const textChoice = (
  text: string,
  index: number,
  logprobs: JsonValue,
  finish: string | null,
): JsonObject => ({ text, index, logprobs, finish_reason: finish });

const completions: LlamacppEncoder = {
  partial(event, meta) {
    const logprobs = event.probs ? { content: probsJson([event.probs]) } : null;
    const record: JsonObject = {
      choices: [textChoice(event.text, event.index, logprobs, null)],
      created: unixNow(),
      model: meta.model,
      system_fingerprint: BUILD_INFO,
      object: 'text_completion',
      id: meta.id,
    };
    return partialTimings(event, meta) ? withTimingsOnLast([record], event.stats()) : [record];
  },
  final(result, meta) {
    const choice = textChoice(result.unsent, result.index, null, finishReason(result));
    return [textCompletion([choice], result, meta)];
  },
  body(results, meta) {
    const choices = results.map((r) => {
      const probs = finalProbs(r, false);
      const logprobs = probs.length > 0 ? { content: probsJson(probs) } : null;
      return textChoice(r.content, r.index, logprobs, finishReason(r));
    });
    return textCompletion(choices, firstResult(results), meta);
  },
  doneMarker: true,
};

function textCompletion(choices: JsonValue[], first: ChoiceResult, meta: ResponseMeta): JsonObject {
  return {
    choices,
    created: unixNow(),
    model: meta.model,
    system_fingerprint: BUILD_INFO,
    object: 'text_completion',
    usage: usageJson(first.stats),
    id: meta.id,
    timings: timingsJson(first.stats),
  };
}

const native: LlamacppEncoder = {
  partial(event, meta) {
    const record: JsonObject = {
      index: event.index,
      content: event.text,
      tokens: [event.token.id],
      stop: false,
      id_slot: -1,
      tokens_predicted: event.nDecoded,
      tokens_evaluated: event.promptTokens,
      timings: partialTimings(event, meta) ? timingsJson(event.stats()) : undefined,
      completion_probabilities: event.probs ? probsJson([event.probs]) : undefined,
    };
    return [record];
  },
  final: (result, meta) => [nativeFinal(result, meta, true)],
  body(results, meta) {
    const records = results.map((r) => nativeFinal(r, meta, false));
    return records.length === 1 ? firstResult(records) : records;
  },
  doneMarker: false,
};

function nativeFinal(result: ChoiceResult, meta: ResponseMeta, streamed: boolean): JsonObject {
  const { stats } = result;
  const probs = finalProbs(result, streamed);
  return {
    index: result.index,
    // A stream already carried the text; only a withheld tail is left to deliver.
    content: streamed ? result.unsent : result.content,
    tokens: !streamed && meta.task.returnTokens ? result.tokens.map((t) => t.id) : [],
    id_slot: stats.slotId,
    stop: true,
    model: meta.model,
    tokens_predicted: stats.predictedN,
    tokens_evaluated: stats.promptTokens,
    generation_settings: settingsJson(meta.task.settings, 'full'),
    prompt: `${BOS_PIECE} ${result.promptText}`,
    has_new_line: result.hasNewLine,
    truncated: result.truncated,
    stop_type: result.stopType,
    stopping_word: result.stoppingWord,
    tokens_cached: stats.tokensCached,
    timings: timingsJson(stats),
    completion_probabilities: !streamed && probs.length > 0 ? probsJson(probs) : undefined,
  };
}

function firstResult<T>(items: readonly T[]): T {
  const first = items[0];
  if (first === undefined) throw new RangeError('a response needs at least one choice');
  return first;
}

export const LLAMACPP_ENCODERS = {
  chat,
  completions,
  native,
} as const satisfies Record<GenerationRouteKind, LlamacppEncoder>;
