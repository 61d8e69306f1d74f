import { fakeTokenProbs, type TokenProbs } from './fake-logprobs';
import type { JsonObject } from './json-writer';
import type { SequenceStats } from './sequence';
import { SimError } from './sim-errors';
import type { SlotPool } from './slot-pool';
import { StopFilter } from './stop-filter';
import { planCompletion, type CompletionPlan, type PlannedToken } from './text-generator';

/**
 * Engine-neutral generation: plans each choice, runs it through the slot pool, applies stop
 * strings and reports every decoded token and every finished choice. Personalities only turn
 * these events into their wire format.
 */

export interface ChoiceSpec {
  readonly index: number;
  /** Prompt text as the generator sees it (chat template applied, no BOS). */
  readonly promptText: string;
  readonly promptTokens: readonly number[];
  readonly seed: number;
}

export interface GenerationJob {
  readonly model: string;
  readonly choices: readonly ChoiceSpec[];
  /** Cap on decoded tokens per choice; negative means none (the context still caps). */
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly ignoreEos: boolean;
  readonly cachePrompt: boolean;
  /** Alternatives reported per token; 0 = no logprobs. */
  readonly nProbs: number;
  readonly slotParams: JsonObject;
  readonly signal: AbortSignal;
}

export interface TokenEvent {
  readonly type: 'token';
  readonly index: number;
  /** Text this token releases after stop-string holdback; may be ''. */
  readonly text: string;
  readonly token: PlannedToken;
  readonly nDecoded: number;
  readonly promptTokens: number;
  readonly probs: TokenProbs | undefined;
  /** This token completed a stop string. */
  readonly stoppedByWord: boolean;
  stats(): SequenceStats;
}

export interface ChoiceResult {
  readonly index: number;
  readonly promptText: string;
  /** Whole answer, stop string and anything after it removed. */
  readonly content: string;
  /** Tail withheld as a possible stop-string start when generation ended otherwise. */
  readonly unsent: string;
  readonly tokens: readonly PlannedToken[];
  /** One entry per decoded token when `nProbs > 0`. */
  readonly probs: readonly TokenProbs[];
  readonly stopType: 'eos' | 'limit' | 'word';
  readonly stoppingWord: string;
  /** Generation ran into the end of the context. */
  readonly truncated: boolean;
  readonly hasNewLine: boolean;
  readonly stats: SequenceStats;
}

export interface FinalEvent {
  readonly type: 'final';
  readonly result: ChoiceResult;
}

export type GenerationEvent = TokenEvent | FinalEvent;

/**
 * Runs all choices concurrently. Resolves with the results in index order, or `null` when the
 * job was cancelled. Throws a SimError before anything runs when a prompt does not fit.
 */
export async function runGeneration(
  pool: SlotPool,
  ctxSize: number,
  job: GenerationJob,
  onEvent: (event: GenerationEvent) => void,
): Promise<ChoiceResult[] | null> {
  for (const choice of job.choices) {
    const n = choice.promptTokens.length;
    if (n >= ctxSize) {
      throw new SimError(
        'exceed_context',
        `request (${n} tokens) exceeds the available context size (${ctxSize} tokens), try increasing it`,
        { n_prompt_tokens: n, n_ctx: ctxSize },
      );
    }
  }
  const results = await Promise.all(
    job.choices.map((choice) => runChoice(pool, ctxSize, job, choice, onEvent)),
  );
  return results.every((r): r is ChoiceResult => r !== null) ? results : null;
}

async function runChoice(
  pool: SlotPool,
  ctxSize: number,
  job: GenerationJob,
  choice: ChoiceSpec,
  onEvent: (event: GenerationEvent) => void,
): Promise<ChoiceResult | null> {
  // A slot stops when its KV cache is full: prompt plus generated tokens reach the context.
  const room = ctxSize - choice.promptTokens.length;
  const cap = job.nPredict < 0 ? room : Math.min(job.nPredict, room);
  const plan = planCompletion({
    model: job.model,
    prompt: choice.promptText,
    seed: choice.seed,
    maxTokens: cap,
    ignoreEos: job.ignoreEos,
  });
  const filter = new StopFilter(job.stop);
  const decoded: PlannedToken[] = [];
  const probs: TokenProbs[] = [];
  let hasNewLine = false;

  const outcome = await pool.run({
    prompt: choice.promptTokens,
    output: plan.tokens.map((t) => t.id),
    nPredict: job.nPredict,
    cachePrompt: job.cachePrompt,
    params: job.slotParams,
    signal: job.signal,
    onToken: (step, stats) => {
      const token = plannedAt(plan, step);
      const text = filter.push(token.text, token.eog);
      const tokenProbs =
        job.nProbs > 0 ? fakeTokenProbs(plan.key, step, token, job.nProbs) : undefined;
      decoded.push(token);
      if (tokenProbs) probs.push(tokenProbs);
      const newLine = text.includes('\n');
      hasNewLine ||= newLine;
      onEvent({
        type: 'token',
        index: choice.index,
        text,
        token,
        nDecoded: step + 1,
        promptTokens: choice.promptTokens.length,
        probs: tokenProbs,
        stoppedByWord: filter.stopped,
        stats,
      });
      return { stop: filter.stopped, newLine };
    },
  });

  if (outcome.status === 'cancelled') return null;
  if (outcome.status === 'failed') throw outcome.error;
  const last = decoded.at(-1);
  const stopType = filter.stopped ? 'word' : last?.eog ? 'eos' : 'limit';
  const result: ChoiceResult = {
    index: choice.index,
    promptText: choice.promptText,
    content: filter.content,
    unsent: filter.unsent,
    tokens: decoded,
    probs,
    stopType,
    stoppingWord: filter.stoppingWord,
    truncated: stopType === 'limit' && decoded.length === room && cap === room,
    hasNewLine,
    stats: outcome.stats,
  };
  onEvent({ type: 'final', result });
  return result;
}

function plannedAt(plan: CompletionPlan, step: number): PlannedToken {
  const token = plan.tokens[step];
  if (!token) throw new RangeError(`no planned token at step ${step}`);
  return token;
}
