import type { TokenProb, TokenProbs } from '../../core/fake-logprobs';
import type { ChoiceResult, TokenEvent, ToolCallDelta } from '../../core/generation-runner';
import { f64, type JsonObject, type JsonValue } from '../../core/json-writer';
import { pieceBytes } from '../../core/tokenizer';
import type { VllmRouteKind, VllmTask } from './vllm.request';
import { finishReason, fullUsageJson, stopReason, usageJson } from './vllm.wire';

/**
 * vLLM's response shapes per OpenAI route (`serving_chat.py`, `serving_completion.py`,
 * `protocol.py`). Chat chunks are dumped with `exclude_unset=True`: only fields the server set
 * appear, so there is no `usage` key before the usage chunk. Completion chunks are dumped with
 * `exclude_unset=False`: `"usage":null` on each. Non-streamed bodies are full `model_dump()`s.
 */

export interface ResponseMeta {
  readonly id: string;
  /** One timestamp for the whole response. */
  readonly created: number;
  readonly model: string;
  readonly task: VllmTask;
}

export interface VllmEncoder {
  /** Chunks before any output. */
  start(): JsonObject[];
  /** The chunk of a token that does not end its choice; none when it shows nothing. */
  token(event: TokenEvent): JsonObject[];
  /** The chunk that ends a choice: its last token's output, finish reason and stop reason. */
  finish(result: ChoiceResult, last: TokenEvent | undefined): JsonObject[];
  /** The `choices: []` usage chunk after every choice, when the request asked for usage. */
  usage(results: readonly ChoiceResult[]): JsonObject[];
  /** The whole non-streamed response. */
  body(results: readonly ChoiceResult[]): JsonValue;
}

/** What one chunk reports of a choice. */
interface Step {
  readonly index: number;
  readonly text: string;
  readonly reasoning: string;
  readonly toolCall: ToolCallDelta | undefined;
  readonly probs: TokenProbs | undefined;
  readonly promptTokens: number;
  readonly completionTokens: number;
}

type Ending = {
  readonly finish_reason: string | null;
  readonly stop_reason: string | null;
};

const endingOf = (result: ChoiceResult): Ending => ({
  finish_reason: finishReason(result),
  stop_reason: stopReason(result),
});

const tokenStep = (event: TokenEvent): Step => ({
  ...event,
  completionTokens: event.nDecoded,
});

/** The stop string itself when `include_stop_str_in_output` asks for it. */
const stopText = (result: ChoiceResult, task: VllmTask): string =>
  task.includeStopStr ? result.stoppingWord : '';

/** The last token's output, plus what the stop filter still held back when the choice ended. */
const closingStep = (result: ChoiceResult, last: TokenEvent | undefined, task: VllmTask): Step => ({
  index: result.index,
  text: (last?.text ?? '') + result.unsent + stopText(result, task),
  reasoning: last?.reasoning ?? '',
  toolCall: last?.toolCall,
  probs: last?.probs,
  promptTokens: result.stats.promptTokens,
  completionTokens: result.stats.predictedN,
});

const contentOf = (result: ChoiceResult, task: VllmTask): string =>
  result.content + stopText(result, task);

const completionTokens = (results: readonly ChoiceResult[]): number =>
  results.reduce((sum, r) => sum + r.stats.predictedN, 0);

type ChunkOf = (choices: JsonValue[], usage: JsonObject) => JsonObject;

/** The `choices: []` chunk after the last choice, only when the request asked for usage. */
const usageChunks = (task: VllmTask, results: readonly ChoiceResult[], chunk: ChunkOf) =>
  task.usage.final ? [chunk([], usageJson(task.promptTokens, completionTokens(results)))] : [];

const probJson = (prob: TokenProb): JsonObject => ({
  token: prob.text,
  logprob: f64(prob.logprob),
  bytes: pieceBytes(prob.text),
});

/** `ChatCompletionLogProbs`; null when the request did not ask for logprobs. */
function chatLogprobs(probs: readonly TokenProbs[], top: number | undefined): JsonValue {
  if (top === undefined) return null;
  return {
    content: probs.map((p) => ({
      ...probJson(p.chosen),
      top_logprobs: p.top.slice(0, top).map(probJson),
    })),
  };
}

/** `DeltaMessage` fields in their order; undefined when the step shows nothing. */
function chatDelta(step: Step, showReasoning: boolean): JsonObject | undefined {
  const delta: JsonObject = {
    content: step.text === '' ? undefined : step.text,
    reasoning: showReasoning && step.reasoning !== '' ? step.reasoning : undefined,
    tool_calls: step.toolCall && [toolCallDelta(step.toolCall)],
  };
  return Object.values(delta).some((v) => v !== undefined) ? delta : undefined;
}

/** `DeltaToolCall`: id, type and name on the first fragment, only arguments afterwards. */
function toolCallDelta(call: ToolCallDelta): JsonObject {
  if (!call.first) return { index: call.index, function: { arguments: call.arguments } };
  return { id: call.id, type: 'function', index: call.index, function: { name: call.name } };
}

function messageJson(result: ChoiceResult, task: VllmTask): JsonObject {
  const content = contentOf(result, task);
  const calls = result.toolCalls;
  return {
    role: 'assistant',
    content: content === '' && calls.length > 0 ? null : content,
    refusal: null,
    annotations: null,
    audio: null,
    function_call: null,
    tool_calls: calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    })),
    reasoning: task.showReasoning && result.reasoning !== '' ? result.reasoning : null,
  };
}

function chatEncoder(meta: ResponseMeta): VllmEncoder {
  const { task } = meta;
  const chunk = (choices: JsonValue[], usage?: JsonObject): JsonObject => ({
    id: meta.id,
    object: 'chat.completion.chunk',
    created: meta.created,
    model: meta.model,
    choices,
    usage,
  });
  const running = (
    step: Pick<Step, 'promptTokens' | 'completionTokens'>,
  ): JsonObject | undefined =>
    task.usage.continuous ? usageJson(step.promptTokens, step.completionTokens) : undefined;
  const stepChunk = (step: Step, ending: JsonObject, fallback: JsonObject): JsonObject => {
    const delta = chatDelta(step, task.showReasoning) ?? fallback;
    const logprobs = chatLogprobs(step.probs ? [step.probs] : [], task.topLogprobs);
    return chunk([{ index: step.index, delta, logprobs, ...ending }], running(step));
  };
  return {
    start: () =>
      task.choices.map((c) => {
        const choice = { index: c.index, delta: { role: 'assistant', content: '' } };
        const usage = running({ promptTokens: c.promptTokens.length, completionTokens: 0 });
        return chunk([{ ...choice, logprobs: null, finish_reason: null }], usage);
      }),
    token(event) {
      const step = tokenStep(event);
      if (!chatDelta(step, task.showReasoning) && !step.probs) return [];
      return [stepChunk(step, { finish_reason: null }, { content: '' })];
    },
    finish(result, last) {
      // An EOS shows as empty content, except after a tool call, where nothing is left to say.
      const fallback = result.toolCalls.length > 0 ? {} : { content: '' };
      return [stepChunk(closingStep(result, last, task), endingOf(result), fallback)];
    },
    usage: (results) => usageChunks(task, results, chunk),
    body: (results) => ({
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: results.map((r) => ({
        index: r.index,
        message: messageJson(r, task),
        logprobs: chatLogprobs(r.probs, task.topLogprobs),
        ...endingOf(r),
        token_ids: null,
      })),
      service_tier: null,
      system_fingerprint: null,
      usage: fullUsageJson(task.promptTokens, completionTokens(results)),
      prompt_logprobs: null,
      prompt_token_ids: null,
      kv_transfer_params: null,
    }),
  };
}

const chars = (text: string): number => Array.from(text).length;

/**
 * `CompletionLogProbs`, the legacy shape: offsets into the text, and per token a map of the top
 * alternatives (the chosen token leads). A map's keys keep their order because the simulated
 * vocabulary has no integer-like pieces on this route.
 */
function legacyLogprobs(probs: readonly TokenProbs[], top: number, offset: number): JsonObject {
  let at = offset;
  const offsets = probs.map((p) => {
    const start = at;
    at += chars(p.chosen.text);
    return start;
  });
  return {
    text_offset: offsets,
    token_logprobs: probs.map((p) => f64(p.chosen.logprob)),
    tokens: probs.map((p) => p.chosen.text),
    // `logprobs: 0` still reports the chosen token.
    top_logprobs: probs.map((p) =>
      Object.fromEntries(p.top.slice(0, Math.max(1, top)).map((t) => [t.text, f64(t.logprob)])),
    ),
  };
}

const RUNNING: Ending = { finish_reason: null, stop_reason: null };

const textChoice = (
  index: number,
  text: string,
  logprobs: JsonValue,
  ending: Ending,
): JsonObject => ({
  index,
  text,
  logprobs,
  ...ending,
  prompt_logprobs: null,
});

function completionsEncoder(meta: ResponseMeta): VllmEncoder {
  const { task } = meta;
  // Characters of text sent so far per choice: where the next chunk's `text_offset` starts.
  const sent = new Map<number, number>();
  const chunk = (choices: JsonValue[], usage: JsonValue): JsonObject => ({
    id: meta.id,
    object: 'text_completion',
    created: meta.created,
    model: meta.model,
    choices,
    usage,
  });
  const stepChunk = (step: Step, ending: Ending): JsonObject => {
    const offset = sent.get(step.index) ?? 0;
    sent.set(step.index, offset + chars(step.text));
    const top = task.topLogprobs;
    const logprobs =
      top === undefined || !step.probs ? null : legacyLogprobs([step.probs], top, offset);
    const usage = task.usage.continuous
      ? usageJson(step.promptTokens, step.completionTokens)
      : null;
    return chunk([textChoice(step.index, step.text, logprobs, ending)], usage);
  };
  return {
    start: () => [],
    token(event) {
      return event.text === '' && !event.probs ? [] : [stepChunk(tokenStep(event), RUNNING)];
    },
    finish: (result, last) => [stepChunk(closingStep(result, last, task), endingOf(result))],
    usage: (results) => usageChunks(task, results, chunk),
    body: (results) => ({
      id: meta.id,
      object: 'text_completion',
      created: meta.created,
      model: meta.model,
      choices: results.map((r) => {
        const top = task.topLogprobs;
        const logprobs = top === undefined ? null : legacyLogprobs(r.probs, top, 0);
        return textChoice(r.index, contentOf(r, task), logprobs, endingOf(r));
      }),
      service_tier: null,
      system_fingerprint: null,
      usage: fullUsageJson(task.promptTokens, completionTokens(results)),
      kv_transfer_params: null,
    }),
  };
}

export const VLLM_ENCODERS = {
  chat: chatEncoder,
  completions: completionsEncoder,
} as const satisfies Record<VllmRouteKind, (meta: ResponseMeta) => VllmEncoder>;
