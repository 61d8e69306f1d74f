import type { ChoicePlan, StepChannel } from './choice-plan';
import { fakeTokenProbs, type TokenProbs } from './fake-logprobs';
import type { JsonObject } from './json-writer';
import type { SequenceOutcome, SequenceStats } from './sequence';
import type { SlotPool } from './slot-pool';
import { StopFilter } from './stop-filter';
import type { PlannedToken } from './text-generator';

/**
 * One choice on the slot pool: decodes its plan and sorts every step into answer text (through
 * the stop filter), reasoning text or a tool-call fragment. Personalities receive these events
 * and only turn them into their wire format.
 */

/** How a choice's reasoning reaches the client. */
export type ReasoningOutput =
  /** The model does not think. */
  | 'off'
  /** Reasoning is reported apart from the answer (`reasoning_content`); delimiters are hidden. */
  | 'separate'
  /** Reasoning stays in the answer text, `<think>…</think>` included, as raw completions show it. */
  | 'inline';

/** One fragment of a tool call; `first` carries the name, later ones append to `arguments`. */
export interface ToolCallDelta {
  /** Position of the call within the choice (always 0: a choice makes one call). */
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** This fragment of the arguments JSON ('' on the first). */
  readonly arguments: string;
  readonly first: boolean;
}

export interface ToolCallResult {
  readonly index: number;
  readonly id: string;
  readonly name: string;
  /** The whole arguments JSON (cut short if generation hit its limit). */
  readonly arguments: string;
}

export interface TokenEvent {
  readonly type: 'token';
  readonly index: number;
  /** Answer text this token releases after stop-string holdback; may be ''. */
  readonly text: string;
  /** Reasoning text this token releases (only with `separate` reasoning); may be ''. */
  readonly reasoning: string;
  readonly toolCall: ToolCallDelta | undefined;
  readonly token: PlannedToken;
  readonly nDecoded: number;
  readonly promptTokens: number;
  readonly probs: TokenProbs | undefined;
  /** This token completed a stop string. */
  readonly stoppedByWord: boolean;
  /**
   * The choice ends with this token (EOS, a stop string or its length limit). Its `final` event
   * follows in the same turn of the event loop (only tokens of other choices from the same
   * decode step may come between), so a personality that reports the finish reason on the last
   * token's record can hold this token back without delaying it.
   */
  readonly last: boolean;
  stats(): SequenceStats;
}

export interface ChoiceResult {
  readonly index: number;
  readonly promptText: string;
  /** Whole answer, stop string and anything after it removed ('' for a tool call). */
  readonly content: string;
  /** Tail withheld as a possible stop-string start when generation ended otherwise. */
  readonly unsent: string;
  /** Reasoning reported apart from the answer ('' unless reasoning is `separate`). */
  readonly reasoning: string;
  readonly toolCalls: readonly ToolCallResult[];
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

export interface ChoiceRun {
  readonly index: number;
  readonly promptText: string;
  readonly promptTokens: readonly number[];
  readonly plan: ChoicePlan;
  /** Decode steps the context leaves room for, to tell a truncated choice from a capped one. */
  readonly room: number;
  readonly capped: boolean;
}

export interface RunSettings {
  readonly nPredict: number;
  readonly stop: readonly string[];
  readonly cachePrompt: boolean;
  readonly nProbs: number;
  readonly slotParams: JsonObject;
  readonly reasoning: ReasoningOutput;
  readonly stallMs: number;
  readonly signal: AbortSignal;
  readonly toolCallId: () => string;
  readonly onEvent: (event: GenerationEvent) => void;
}

/** Where a step's text goes: the answer (through the stop filter), reasoning, a tool call. */
type Route = 'answer' | 'reasoning' | 'hidden' | 'tool-name' | 'tool-arguments';

const ROUTES = {
  off: {
    content: 'answer',
    reasoning: 'answer',
    delimiter: 'answer',
    'tool-name': 'tool-name',
    'tool-arguments': 'tool-arguments',
  },
  separate: {
    content: 'answer',
    reasoning: 'reasoning',
    delimiter: 'hidden',
    'tool-name': 'tool-name',
    'tool-arguments': 'tool-arguments',
  },
  inline: {
    content: 'answer',
    reasoning: 'answer',
    delimiter: 'answer',
    'tool-name': 'tool-name',
    'tool-arguments': 'tool-arguments',
  },
} as const satisfies Record<ReasoningOutput, Record<StepChannel, Route>>;

/** What one choice has produced so far. */
interface ChoiceState {
  readonly filter: StopFilter;
  readonly newToolCallId: () => string;
  reasoning: string;
  toolCall: ToolCallResult | undefined;
}

interface StepOutput {
  readonly text: string;
  readonly reasoning: string;
  readonly toolCall: ToolCallDelta | undefined;
}

const NOTHING: StepOutput = { text: '', reasoning: '', toolCall: undefined };

const STEP_HANDLERS = {
  answer: (state, token) => ({ ...NOTHING, text: state.filter.push(token.text, token.eog) }),
  reasoning: (state, token) => {
    state.reasoning += token.text;
    return { ...NOTHING, reasoning: token.text };
  },
  hidden: () => NOTHING,
  'tool-name': (state, token) => {
    const call = { index: 0, id: state.newToolCallId(), name: token.text, arguments: '' };
    state.toolCall = call;
    return { ...NOTHING, toolCall: { ...call, first: true } };
  },
  'tool-arguments': (state, token) => {
    if (!state.toolCall) return NOTHING;
    const call = { ...state.toolCall, arguments: state.toolCall.arguments + token.text };
    state.toolCall = call;
    return { ...NOTHING, toolCall: { ...call, arguments: token.text, first: false } };
  },
} as const satisfies Record<Route, (state: ChoiceState, token: PlannedToken) => StepOutput>;

/** Runs one choice to its end; resolves with its result, or null when it was cancelled. */
export async function runChoice(
  pool: SlotPool,
  run: ChoiceRun,
  settings: RunSettings,
): Promise<ChoiceResult | null> {
  const { plan } = run;
  const routes: Record<StepChannel, Route> = ROUTES[settings.reasoning];
  const state: ChoiceState = {
    filter: new StopFilter(settings.stop),
    newToolCallId: settings.toolCallId,
    reasoning: '',
    toolCall: undefined,
  };
  const { filter } = state;
  const decoded: PlannedToken[] = [];
  const probs: TokenProbs[] = [];
  let hasNewLine = false;

  const outcome: SequenceOutcome = await pool.run({
    prompt: run.promptTokens,
    output: plan.steps.map((s) => s.token.id),
    nPredict: settings.nPredict,
    cachePrompt: settings.cachePrompt,
    stallMs: settings.stallMs,
    params: settings.slotParams,
    signal: settings.signal,
    onToken: (index, stats) => {
      const planned = plan.steps[index];
      if (!planned) throw new RangeError(`no planned step at ${index}`);
      const { token } = planned;
      const output = STEP_HANDLERS[routes[planned.channel]](state, token);
      const tokenProbs =
        settings.nProbs > 0 ? fakeTokenProbs(plan.key, index, token, settings.nProbs) : undefined;
      decoded.push(token);
      if (tokenProbs) probs.push(tokenProbs);
      const newLine = output.text.includes('\n');
      hasNewLine ||= newLine;
      settings.onEvent({
        type: 'token',
        index: run.index,
        ...output,
        token,
        nDecoded: index + 1,
        promptTokens: run.promptTokens.length,
        probs: tokenProbs,
        stoppedByWord: filter.stopped,
        last: filter.stopped || index + 1 >= plan.steps.length,
        stats,
      });
      return { stop: filter.stopped, newLine };
    },
  });

  if (outcome.status === 'cancelled') return null;
  if (outcome.status === 'failed') throw outcome.error;
  const stopType = filter.stopped ? 'word' : decoded.at(-1)?.eog ? 'eos' : 'limit';
  const result: ChoiceResult = {
    index: run.index,
    promptText: run.promptText,
    content: filter.content,
    unsent: filter.unsent,
    reasoning: state.reasoning,
    toolCalls: state.toolCall ? [state.toolCall] : [],
    tokens: decoded,
    probs,
    stopType,
    stoppingWord: filter.stoppingWord,
    truncated: stopType === 'limit' && decoded.length === run.room && !run.capped,
    hasNewLine,
    stats: outcome.stats,
  };
  settings.onEvent({ type: 'final', result });
  return result;
}
