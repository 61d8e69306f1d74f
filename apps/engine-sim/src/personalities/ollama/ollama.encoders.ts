import { performance } from 'node:perf_hooks';
import type { TokenProb, TokenProbs } from '../../core/fake-logprobs';
import type { ChoiceResult, TokenEvent } from '../../core/generation-runner';
import { isRecord } from '../../core/request-fields';
import { pieceBytes } from '../../core/tokenizer';
import type { OllamaRoute, OllamaTask } from './ollama.request';
import { goTime, nanoseconds, omitZero, toolCallId } from './ollama.wire';

/**
 * Ollama's answer objects (`api/types.go` `ChatResponse`, `GenerateResponse`, `Metrics`,
 * `Logprob`, `ToolCall`): the same object per NDJSON line and for a whole answer; the routes
 * differ only in where text goes (`message.content` or `response`).
 */

export interface ResponseMeta {
  readonly task: OllamaTask;
  /** `performance.now()` when the request arrived and when its job started. */
  readonly startedAt: number;
  readonly jobStartedAt: number;
}

/** What one object carries besides the envelope. */
interface Piece {
  readonly text: string;
  readonly thinking: string;
  readonly toolCalls?: readonly unknown[];
  readonly logprobs?: readonly unknown[];
}

interface End {
  readonly reason: 'stop' | 'length' | 'load' | 'unload';
  readonly context?: readonly number[];
  readonly metrics?: Readonly<Record<string, number | undefined>>;
}

const BODIES = {
  chat: (p: Piece) => ({
    message: {
      role: 'assistant',
      content: p.text,
      thinking: p.thinking === '' ? undefined : p.thinking,
      tool_calls: p.toolCalls,
    },
  }),
  generate: (p: Piece) => ({
    response: p.text,
    thinking: p.thinking === '' ? undefined : p.thinking,
  }),
} as const satisfies Record<OllamaRoute, (piece: Piece) => object>;

function answerJson(task: OllamaTask, piece: Piece, end?: End): object {
  return {
    model: task.model,
    created_at: goTime(),
    ...BODIES[task.route](piece),
    done: end !== undefined,
    done_reason: end?.reason,
    context: end?.context,
    ...end?.metrics,
    logprobs: piece.logprobs,
  };
}

/** The answer of a request that only loads (or unloads) the model. */
export const loadJson = (task: OllamaTask, reason: 'load' | 'unload'): object =>
  answerJson(task, { text: '', thinking: '' }, { reason });

/** One line per decoded token that has something to show. */
export function tokenLine(event: TokenEvent, meta: ResponseMeta): object | undefined {
  if (event.text === '' && event.reasoning === '') return undefined;
  const logprobs = logprobsJson([event.probs], meta.task);
  return answerJson(meta.task, { text: event.text, thinking: event.reasoning, logprobs });
}

/** The lines closing a stream: a withheld tail, the tool calls, then `done: true`. */
export function finalLines(result: ChoiceResult, meta: ResponseMeta): object[] {
  const { task } = meta;
  const calls = toolCallsJson(result);
  const tail = result.unsent + (calls ? '' : rawToolCalls(result));
  const lines: object[] = [];
  if (tail !== '') lines.push(answerJson(task, { text: tail, thinking: '' }));
  if (calls) lines.push(answerJson(task, { text: '', thinking: '', toolCalls: calls }));
  lines.push(answerJson(task, { text: '', thinking: '' }, end(result, meta)));
  return lines;
}

/** The whole answer of a request with `stream: false`. */
export function answerBody(result: ChoiceResult, meta: ResponseMeta): object {
  const calls = toolCallsJson(result);
  const piece = {
    text: result.content + (calls ? '' : rawToolCalls(result)),
    thinking: result.reasoning,
    toolCalls: calls,
    logprobs: logprobsJson(result.probs, meta.task),
  };
  return answerJson(meta.task, piece, end(result, meta));
}

function end(result: ChoiceResult, meta: ResponseMeta): End {
  const { stats } = result;
  const generated = result.tokens.filter((t) => !t.eog).map((t) => t.id);
  return {
    reason: result.stopType === 'limit' ? 'length' : 'stop',
    context: meta.task.returnContext ? [...meta.task.promptTokens, ...generated] : undefined,
    // Go's `omitempty`: a zero count or duration is left out (a fully cached prompt, say).
    metrics: {
      total_duration: omitZero(nanoseconds(performance.now() - meta.startedAt)),
      load_duration: omitZero(nanoseconds(meta.jobStartedAt - meta.startedAt)),
      prompt_eval_count: omitZero(stats.promptN),
      prompt_eval_duration: omitZero(nanoseconds(stats.promptMs)),
      eval_count: omitZero(stats.predictedN),
      eval_duration: omitZero(nanoseconds(stats.predictedMs)),
    },
  };
}

/** Tool calls with their arguments as a JSON object, or undefined when there are none. */
function toolCallsJson(result: ChoiceResult): object[] | undefined {
  const calls = result.toolCalls.flatMap((call) => {
    const args = parseObject(call.arguments);
    return args
      ? [{ id: toolCallId(), function: { index: call.index, name: call.name, arguments: args } }]
      : [];
  });
  return calls.length > 0 ? calls : undefined;
}

/** A call cut off before its arguments closed is not one: Ollama passes its text through. */
function rawToolCalls(result: ChoiceResult): string {
  return result.toolCalls.map((call) => `${call.name}${call.arguments}`).join('');
}

function parseObject(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function logprobsJson(
  probs: readonly (TokenProbs | undefined)[],
  task: OllamaTask,
): object[] | undefined {
  const top = task.topLogprobs;
  if (top === undefined) return undefined;
  const entry = (p: TokenProb): object => ({
    token: p.text,
    logprob: p.logprob,
    bytes: pieceBytes(p.text),
  });
  const list = probs.flatMap((p) =>
    p
      ? [{ ...entry(p.chosen), top_logprobs: top > 0 ? p.top.slice(0, top).map(entry) : undefined }]
      : [],
  );
  return list.length > 0 ? list : undefined;
}
