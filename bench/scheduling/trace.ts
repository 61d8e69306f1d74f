import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { countTokens, generateTokens, renderChatPrompt } from '@switchyard/engine-sim';

/**
 * A request trace: what every policy is sent, identically. Conversations arrive as a Poisson
 * process whose time axis is in "unit-rate seconds" (on average one request per second); a
 * replay at λ requests per second starts a conversation at `at / λ`. A conversation of several
 * turns is a chat session: each later turn goes out `thinkS` after the previous answer ended,
 * and carries the whole history, whose assistant turns are the answers the sims give (the
 * sims' text is a pure function of model, prompt and seed, so the trace can hold them and the
 * history does not depend on which node answered).
 */
export const WORKLOAD_IDS = ['independent', 'shared-prefix', 'sessions'] as const;
export type WorkloadId = (typeof WORKLOAD_IDS)[number];

export interface TraceTurn {
  user: string;
  maxTokens: number;
  /** Sent as `seed`: with the prompt it fixes the simulated answer. */
  seed: number;
  /** The answer the sims give; the next turn's history holds it. */
  reply: string;
  /** Think time before this turn, counted from the end of the previous one (0 for the first). */
  thinkS: number;
  /** Prompt tokens as the engine counts them (chat template applied). */
  promptTokens: number;
  /** Prompt tokens a perfect prefix cache already holds (shared system prompt, earlier turns). */
  reusableTokens: number;
  /** Decode steps of the answer (its tokens, plus the end-of-sequence token when it ends so). */
  decodeSteps: number;
}

export interface TraceConversation {
  id: string;
  /** First turn's arrival, in unit-rate seconds. */
  at: number;
  /** Index into `Trace.systemPrompts`. */
  system?: number;
  /** Send the conversation id as the session key. */
  session: boolean;
  turns: TraceTurn[];
}

export interface Trace {
  version: 1;
  workload: WorkloadId;
  seed: number;
  model: string;
  params: Record<string, number>;
  /** Unit-rate seconds drawn: conversations arrive in [0, span). */
  span: number;
  systemPrompts: string[];
  conversations: TraceConversation[];
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The messages of turn `index`: system prompt, the earlier turns with their answers, the question. */
export function messagesFor(
  trace: { readonly systemPrompts: readonly string[] },
  conv: Pick<TraceConversation, 'system' | 'turns'>,
  index: number,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (conv.system !== undefined) {
    messages.push({ role: 'system', content: trace.systemPrompts[conv.system]! });
  }
  conv.turns.slice(0, index).forEach((turn) => {
    messages.push({ role: 'user', content: turn.user }, { role: 'assistant', content: turn.reply });
  });
  messages.push({ role: 'user', content: conv.turns[index]!.user });
  return messages;
}

/** What a turn needs before its answer and token counts are worked out. */
export interface TurnDraft {
  user: string;
  maxTokens: number;
  seed: number;
  thinkS: number;
}

/**
 * Completes a conversation's turns: each answer as the sims will give it, and the token counts
 * the capacity estimate uses. `systemSeen` says whether an earlier conversation used the same
 * system prompt (then a perfect cache holds it).
 */
export function completeTurns(
  model: string,
  systemPrompts: readonly string[],
  conv: Omit<TraceConversation, 'turns'>,
  drafts: readonly TurnDraft[],
  systemSeen: boolean,
): TraceConversation {
  const done: TraceConversation = { ...conv, turns: [] };
  let previous: { promptTokens: number; outputTokens: number } | undefined;
  for (const draft of drafts) {
    const turn: TraceTurn = {
      ...draft,
      reply: '',
      promptTokens: 0,
      reusableTokens: 0,
      decodeSteps: 0,
    };
    done.turns.push(turn);
    const prompt = renderChatPrompt(messagesFor({ systemPrompts }, done, done.turns.length - 1));
    const answer = generateTokens({ model, prompt, seed: draft.seed, maxTokens: draft.maxTokens });
    turn.reply = answer.tokens.join('');
    turn.promptTokens = countTokens(prompt);
    turn.decodeSteps = answer.tokens.length + (answer.finish === 'eos' ? 1 : 0);
    if (previous) turn.reusableTokens = previous.promptTokens + previous.outputTokens;
    else if (systemSeen && conv.system !== undefined) {
      turn.reusableTokens = countTokens(
        `<|im_start|>system\n${systemPrompts[conv.system]}<|im_end|>\n<|im_start|>user\n`,
      );
    }
    previous = { promptTokens: turn.promptTokens, outputTokens: answer.tokens.length };
  }
  return done;
}

/** Requests in the trace whose conversation starts within `durationS` at `ratePerS`. */
export function conversationsWithin(
  trace: Trace,
  ratePerS: number,
  durationS: number,
): TraceConversation[] {
  return trace.conversations.filter((c) => c.at / ratePerS < durationS);
}

/** A short stable id of what generated the trace, for its file name. */
export function traceKey(workload: WorkloadId, seed: number, params: object): string {
  const digest = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 8);
  return `trace-${workload}-seed${seed}-${digest}`;
}

export function saveTrace(path: string, trace: Trace): void {
  writeFileSync(path, `${JSON.stringify(trace)}\n`);
}

export function loadTrace(path: string): Trace | undefined {
  if (!existsSync(path)) return undefined;
  const trace = JSON.parse(readFileSync(path, 'utf8')) as Trace;
  return trace.version === 1 ? trace : undefined;
}
