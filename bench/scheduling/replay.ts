import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { streamChat, type ChatResult } from './chat-client';
import { SLO } from './slo';
import { messagesFor, type Trace, type TraceConversation, type WorkloadId } from './trace';

/**
 * Replays conversations of a trace against one gateway: open loop across conversations
 * (each starts at its Poisson arrival time whatever happened before), closed loop within one
 * (a later turn goes out its think time after the previous answer ended). New conversations
 * start only within the window of `durationS`; later turns of a started one go out until the
 * deadline `drainS` after it, when whatever still runs is aborted and counted as such, and the
 * turns never sent are counted as unsent.
 */
export interface RunLabels {
  policy: string;
  workload: WorkloadId;
  ratePct: number;
  rep: number;
}

export interface RunSpec {
  labels: RunLabels;
  /** Unique per run: prefixes session keys so no run inherits another's session state. */
  runId: string;
  gatewayUrl: string;
  trace: Trace;
  conversations: readonly TraceConversation[];
  ratePerS: number;
  durationS: number;
  drainS: number;
  nodeName(nodeId: string): string;
}

export interface RequestRecord extends RunLabels, Omit<ChatResult, 'text' | 'node'> {
  conversation: string;
  turn: number;
  /** Milliseconds after the run's start when the request was due and when it went out. */
  dueMs: number;
  sentMs: number;
  node?: string;
  /** The answer is the one the trace expects (the sims are deterministic). */
  contentMatches: boolean;
  /** Succeeded within both SLOs. */
  good: boolean;
}

export interface RunResult {
  records: RequestRecord[];
  /** Turns never sent because the run ended first (sessions still talking at the deadline). */
  unsent: number;
  /** performance.now() at the run's start and at its last answer. */
  startedAt: number;
  endedAt: number;
}

const LEAD_MS = 100;
const sleepUntil = (t: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, Math.max(0, t - performance.now())));

export async function replay(spec: RunSpec): Promise<RunResult> {
  const abort = new AbortController();
  // Every request of the run listens to this one signal.
  setMaxListeners(0, abort.signal);
  const startedAt = performance.now() + LEAD_MS;
  const deadline = startedAt + (spec.durationS + spec.drainS) * 1000;
  const killer = setTimeout(() => abort.abort(), deadline - performance.now());
  const records: RequestRecord[] = [];
  let unsent = 0;
  let endedAt = startedAt;

  const converse = async (conv: TraceConversation): Promise<void> => {
    let due = startedAt + (conv.at / spec.ratePerS) * 1000;
    for (const [index, turn] of conv.turns.entries()) {
      if (index > 0) due = performance.now() + turn.thinkS * 1000;
      await sleepUntil(due);
      if (abort.signal.aborted || performance.now() >= deadline) {
        unsent += conv.turns.length - index;
        return;
      }
      const sentAt = performance.now();
      const session = conv.session ? `${spec.runId}-${conv.id}` : undefined;
      const { text, node, ...result } = await streamChat({
        url: `${spec.gatewayUrl}/v1/chat/completions`,
        headers: session ? { 'x-switchyard-session': session } : {},
        body: {
          model: spec.trace.model,
          messages: messagesFor(spec.trace, conv, index),
          max_tokens: turn.maxTokens,
          seed: turn.seed,
          stream: true,
          stream_options: { include_usage: true },
          ...(session ? { user: session } : {}),
        },
        signal: abort.signal,
      });
      endedAt = Math.max(endedAt, performance.now());
      const ok = result.outcome === 'ok';
      records.push({
        ...spec.labels,
        ...result,
        conversation: conv.id,
        turn: index,
        dueMs: due - startedAt,
        sentMs: sentAt - startedAt,
        ...(node !== undefined ? { node: spec.nodeName(node) } : {}),
        contentMatches: ok && text === turn.reply,
        good:
          ok &&
          result.ttftMs !== undefined &&
          result.ttftMs <= SLO.ttftMs &&
          (result.meanItlMs ?? 0) <= SLO.meanItlMs,
      });
    }
  };

  await Promise.all(spec.conversations.map(converse));
  clearTimeout(killer);
  return { records, unsent, startedAt, endedAt };
}
