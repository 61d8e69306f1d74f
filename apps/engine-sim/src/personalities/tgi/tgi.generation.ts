import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  runGeneration,
  type ChoiceResult,
  type GenerationEvent,
  type GenerationJob,
  type TokenEvent,
} from '../../core/generation-runner';
import type { SimContext } from '../../core/personality';
import { leaveUnfinished } from '../../core/personality-http';
import { type SimError, toSimError } from '../../core/sim-errors';
import { failureLabel } from './tgi.errors';
import type { RequestTiming, TgiMetrics } from './tgi.metrics';
import type { TgiTask } from './tgi.validation';
import type { ToolSpec } from '../../core/tool-call-plan';

/**
 * What the native and the OpenAI routes share: running a validated task on the pool while the
 * router's counters follow it, and TGI's token stream, where the last token carries the end.
 */

/** TGI's per-request bookkeeping, shared by every route of one personality instance. */
export interface TgiState {
  readonly metrics: TgiMetrics;
}

/** One `StreamResponse`-to-be: a decoded token, and on the last one how its sequence ended. */
export interface StreamToken {
  /** 1-based, as TGI counts the messages of a sequence. */
  readonly index: number;
  readonly event: TokenEvent;
  readonly end: ChoiceResult | undefined;
}

export interface TgiJob {
  readonly task: TgiTask;
  /** Text the generator keys on (the templated prompt on the chat route). */
  readonly promptText: string;
  readonly tool?: ToolSpec;
  readonly signal: AbortSignal;
  /** When the handler started, from `performance.now()`. */
  readonly startedAt: number;
}

export type TgiOutcome =
  | { readonly status: 'done'; readonly results: ChoiceResult[]; readonly timing: RequestTiming }
  | { readonly status: 'cancelled' }
  | { readonly status: 'died' }
  | { readonly status: 'failed'; readonly error: SimError };

/**
 * Runs a task; never throws. Tokens reach `onToken` one step late, because TGI sends a sequence's
 * last token together with its end and only the following event tells which token was last.
 */
export async function runTgiJob(
  ctx: SimContext,
  state: TgiState,
  job: TgiJob,
  onToken: (token: StreamToken) => void,
): Promise<TgiOutcome> {
  const { task } = job;
  const validatedAt = performance.now();
  state.metrics.onValidated(task.promptTokens.length, task.maxNewTokens);
  const held = new Map<number, TokenEvent>();
  const relay = (event: GenerationEvent): void => {
    if (event.type === 'token') {
      const previous = held.get(event.index);
      if (previous) onToken({ index: previous.nDecoded, event: previous, end: undefined });
      else state.metrics.onPrefill();
      held.set(event.index, event);
      return;
    }
    const last = held.get(event.result.index);
    held.delete(event.result.index);
    if (last) onToken({ index: last.nDecoded, event: last, end: event.result });
  };
  try {
    const outcome = await runGeneration(ctx, generationJob(ctx, job), relay);
    if (outcome.status === 'died') {
      // Whatever was decoded before the fault went out; the end never does.
      for (const event of held.values()) onToken({ index: event.nDecoded, event, end: undefined });
    }
    if (outcome.status !== 'done') return outcome;
    const timing = requestTiming(job.startedAt, validatedAt, outcome.results);
    state.metrics.onSuccess(timing);
    return { status: 'done', results: outcome.results, timing };
  } catch (error) {
    const simError = toSimError(error);
    state.metrics.onFailure(failureLabel(simError));
    return { status: 'failed', error: simError };
  }
}

function generationJob(ctx: SimContext, job: TgiJob): GenerationJob {
  const { task } = job;
  return {
    model: ctx.settings.model,
    choices: task.seeds.map((seed, index) => ({
      index,
      promptText: job.promptText,
      promptTokens: task.promptTokens,
      seed,
    })),
    nPredict: task.maxNewTokens,
    stop: task.stop,
    ignoreEos: false,
    cachePrompt: true,
    // TGI reports every token's logprob, and `top_n_tokens` alternatives when asked.
    nProbs: Math.max(1, task.topN),
    slotParams: {},
    signal: job.signal,
    // TGI has no reasoning parser: a thinking model's thoughts are part of the text.
    reasoning: ctx.settings.reasoning ? 'inline' : 'off',
    tool: job.tool,
    // TGI's tool calls carry no id of their own.
    toolCallId: () => '',
  };
}

function requestTiming(
  startedAt: number,
  validatedAt: number,
  results: readonly ChoiceResult[],
): RequestTiming {
  const now = performance.now();
  const stats = results[0]?.stats;
  const inference = stats ? (stats.promptMs + stats.predictedMs) / 1e3 : 0;
  const total = (now - startedAt) / 1e3;
  const validation = (validatedAt - startedAt) / 1e3;
  return {
    total,
    validation,
    // Whatever the sequence did not spend computing, it spent waiting for a slot.
    queue: Math.max(0, total - validation - inference),
    inference,
    generatedTokens: stats?.predictedN ?? 0,
  };
}

/** Maps a finished run onto the connection; `done` writes the answer. */
export function settle(
  outcome: TgiOutcome,
  res: ServerResponse,
  handlers: { done(results: ChoiceResult[], timing: RequestTiming): void; fail(e: SimError): void },
): void {
  switch (outcome.status) {
    case 'done':
      return handlers.done(outcome.results, outcome.timing);
    case 'failed':
      return handlers.fail(outcome.error);
    case 'cancelled':
    case 'died':
      return leaveUnfinished(res, outcome.status);
  }
}
