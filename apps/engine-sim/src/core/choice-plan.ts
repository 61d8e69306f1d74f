import {
  EOS_TOKEN,
  planCompletion,
  planKey,
  planThoughts,
  type PlanInput,
  type PlannedToken,
} from './text-generator';
import { planToolCall, type PlannedToolCall, type ToolSpec } from './tool-call-plan';
import { pieceId, THINK_CLOSE_PIECE, THINK_OPEN_PIECE } from './tokenizer';

/**
 * Everything one choice will decode, step by step, and what each step is: optional reasoning
 * between `<think>` delimiters, then either the answer (the plain completion plan, unchanged) or
 * one tool call — its name, then its arguments in fragments — closed by EOS.
 */

export type StepChannel = 'content' | 'reasoning' | 'delimiter' | 'tool-name' | 'tool-arguments';

export interface PlannedStep {
  readonly token: PlannedToken;
  readonly channel: StepChannel;
}

export interface ChoicePlanInput extends PlanInput {
  /** The model thinks before it answers. */
  readonly reasoning: boolean;
  /** The tool the choice calls instead of answering. */
  readonly tool?: ToolSpec;
}

export interface ChoicePlan {
  /** Every decode step in order, already cut at `maxTokens`. */
  readonly steps: readonly PlannedStep[];
  /** Hash of (model, prompt, seed), as for {@link planCompletion}. */
  readonly key: number;
  readonly toolCall: PlannedToolCall | undefined;
}

const step = (text: string, channel: StepChannel): PlannedStep => ({
  token: { id: pieceId(text), text, eog: false },
  channel,
});

export function planChoice(input: ChoicePlanInput): ChoicePlan {
  const limit = input.maxTokens === undefined || input.maxTokens < 0 ? Infinity : input.maxTokens;
  const key = planKey(input);
  const steps: PlannedStep[] = [];
  if (input.reasoning) {
    steps.push(step(THINK_OPEN_PIECE, 'delimiter'));
    for (const token of planThoughts(key)) steps.push({ token, channel: 'reasoning' });
    steps.push(step(THINK_CLOSE_PIECE, 'delimiter'));
  }
  const toolCall = input.tool && planToolCall(input.tool, key);
  if (toolCall) {
    steps.push(step(toolCall.name, 'tool-name'));
    for (const fragment of toolCall.fragments) steps.push(step(fragment, 'tool-arguments'));
    steps.push({ token: EOS_TOKEN, channel: 'content' });
  } else {
    // The answer after any thoughts is exactly the plan of a plain request, only cut shorter.
    const room = limit === Infinity ? input.maxTokens : Math.max(0, limit - steps.length);
    const answer = planCompletion({ ...input, maxTokens: room });
    for (const token of answer.tokens) steps.push({ token, channel: 'content' });
  }
  return { steps: limit < steps.length ? steps.slice(0, limit) : steps, key, toolCall };
}
