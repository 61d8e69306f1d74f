import { planChoice, type ChoicePlanInput } from './choice-plan';
import {
  runChoice,
  type ChoiceResult,
  type ChoiceRun,
  type GenerationEvent,
  type ReasoningOutput,
} from './choice-runner';
import type { JsonObject } from './json-writer';
import type { SimContext } from './personality';
import { exceedContextError, SimError } from './sim-errors';
import type { Continuation } from './prompt-input';
import type { ToolSpec } from './tool-call-plan';

export type {
  ChoiceResult,
  FinalEvent,
  GenerationEvent,
  ReasoningOutput,
  TokenEvent,
  ToolCallDelta,
  ToolCallResult,
} from './choice-runner';

/**
 * Engine-neutral generation, top to bottom: check the prompts fit → draw the injected failure →
 * plan every choice → refuse when full (`overloadWhenFull`) → run the choices on the slot pool,
 * cutting the request after `dieAfterTokens` tokens (or failing it after `errorAfterTokens`). Personalities only turn the events into
 * their wire format and map the outcome onto the connection.
 */

export interface ChoiceSpec {
  readonly index: number;
  /** Prompt text as the generator sees it (chat template applied, no BOS). */
  readonly promptText: string;
  readonly promptTokens: readonly number[];
  readonly seed: number;
  /** The prompt continues an assistant message: the answer carries on past its text. */
  readonly continues?: Continuation;
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
  /** How reasoning is reported; `off` also when the engine is not a reasoning model. */
  readonly reasoning: ReasoningOutput;
  /** The tool every choice calls (see `requestedTool`); absent for a plain answer. */
  readonly tool?: ToolSpec;
  /** Mints a tool-call id in the engine's format. */
  readonly toolCallId?: () => string;
}

/**
 * - `done`: every choice finished; results in index order.
 * - `cancelled`: the client went away or the simulator shut down.
 * - `died`: the `dieAfterTokens` fault fired; the personality must drop the connection
 *   without ending the response (see `dropConnection`).
 */
export type GenerationOutcome =
  | { readonly status: 'done'; readonly results: ChoiceResult[] }
  | { readonly status: 'cancelled' }
  | { readonly status: 'died' };

/**
 * Runs all choices concurrently. Throws a SimError before anything runs when a prompt does not
 * fit, when the request draws an injected failure, or when the engine is full and refuses.
 */
export async function runGeneration(
  ctx: SimContext,
  job: GenerationJob,
  onEvent: (event: GenerationEvent) => void,
): Promise<GenerationOutcome> {
  // One sequence can never hold more than its slot's context or the whole KV cache.
  const ctxSize = Math.min(ctx.settings.ctxSize, ctx.pool.kvCacheTokens);
  for (const { promptTokens } of job.choices) {
    // llama.cpp refuses a prompt that fills the whole context.
    if (promptTokens.length >= ctxSize) throw exceedContextError(promptTokens.length, ctxSize);
  }
  const failure = ctx.faults.nextFailure();
  if (failure) throw failure;

  const runs = job.choices.map((choice) => planRun(job, choice, ctxSize));
  const faults = ctx.faults.current;
  const sizes = runs.map((run) => run.promptTokens.length + run.plan.steps.length);
  if (faults.overloadWhenFull && !ctx.pool.canStartNow(sizes)) {
    throw new SimError('overloaded', 'engine-sim: every slot is busy');
  }
  if (faults.dieAfterTokens === 0) return { status: 'died' };

  // Whichever cut comes first: a dropped connection or the engine's own error mid-stream.
  const fails =
    faults.errorAfterTokens !== null &&
    (faults.dieAfterTokens === null || faults.errorAfterTokens < faults.dieAfterTokens);
  const death = new TokenDeath(job.signal, fails ? faults.errorAfterTokens : faults.dieAfterTokens);
  try {
    const settings = {
      nPredict: job.nPredict,
      stop: job.stop,
      cachePrompt: job.cachePrompt,
      nProbs: job.nProbs,
      slotParams: job.slotParams,
      reasoning: job.reasoning,
      stallMs: faults.stallMs,
      signal: death.signal,
      toolCallId: job.toolCallId ?? defaultToolCallId,
      onEvent: (event: GenerationEvent) => {
        onEvent(event);
        if (event.type === 'token') death.count();
      },
    };
    const results = await Promise.all(runs.map((run) => runChoice(ctx.pool, run, settings)));
    if (death.died && fails) {
      // Thrown after output: the personality sends its in-band error record and no end marker.
      throw new SimError(
        'server',
        `engine-sim: injected error after ${faults.errorAfterTokens} tokens (errorAfterTokens)`,
      );
    }
    if (death.died) return { status: 'died' };
    return results.every((r): r is ChoiceResult => r !== null)
      ? { status: 'done', results }
      : { status: 'cancelled' };
  } finally {
    death.dispose();
  }
}

function planRun(job: GenerationJob, choice: ChoiceSpec, ctxSize: number): ChoiceRun {
  // A slot stops when its KV cache is full: prompt plus generated tokens reach the context.
  const room = ctxSize - choice.promptTokens.length;
  const cap = job.nPredict < 0 ? room : Math.min(job.nPredict, room);
  const input = {
    model: job.model,
    prompt: choice.promptText,
    seed: choice.seed,
    maxTokens: cap,
    ignoreEos: job.ignoreEos,
    reasoning: job.reasoning !== 'off',
    tool: job.tool,
  };
  const plan = (choice.continues && continuedPlan(input, choice.continues)) ?? planChoice(input);
  return { ...choice, plan, room, capped: cap !== room };
}

/**
 * The plan of the answer the conversation before a continued message gets, from just past
 * the message's text (which must be where that answer's tokens put it); undefined when the
 * text is not a start of that answer, and the prompt is then planned as it stands.
 */
function continuedPlan(input: ChoicePlanInput, { basePrompt, prefix }: Continuation) {
  const maxTokens = input.maxTokens ?? 0;
  const whole = planChoice({ ...input, prompt: basePrompt, maxTokens: maxTokens + prefix.length });
  let text = '';
  let skip = 0;
  while (text.length < prefix.length && skip < whole.steps.length) {
    const step = whole.steps[skip]!;
    if (step.channel !== 'content') return undefined;
    text += step.token.text;
    skip++;
  }
  if (text !== prefix) return undefined;
  return { ...whole, steps: whole.steps.slice(skip, skip + maxTokens) };
}

let toolCallCounter = 0;
const defaultToolCallId = (): string => `call_${(toolCallCounter++).toString(36)}`;

/** The `dieAfterTokens` fault: aborts every choice of the request once it streamed K tokens. */
class TokenDeath {
  private readonly controller = new AbortController();
  private streamed = 0;
  private fired = false;
  private readonly forward = (): void => this.controller.abort();

  constructor(
    private readonly upstream: AbortSignal,
    private readonly limit: number | null,
  ) {
    if (upstream.aborted) this.controller.abort();
    else upstream.addEventListener('abort', this.forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get died(): boolean {
    return this.fired;
  }

  count(): void {
    this.streamed++;
    if (this.limit === null || this.fired || this.streamed < this.limit) return;
    this.fired = true;
    this.controller.abort();
  }

  dispose(): void {
    this.upstream.removeEventListener('abort', this.forward);
  }
}
