import { CandidateLoad } from '../candidate-load';
import {
  committedWork,
  promptRate,
  slotRate,
  type CandidateNode,
  type PlacementRequest,
} from '../cluster-view';
import { cachedShares, promptTokensOf } from '../prefix-match';
import type { PlacementTuning } from '../tuning';
import type { NodeScorer } from './scorer';

/** The rates and request size a decision predicts with, fixed once per decision. */
export interface WaitEstimate {
  /** Per-slot generation rate for nodes that have not measured one, tokens/s. */
  fallbackSlotRate: number;
  /** Prompt processing rate for nodes that have not measured one, tokens/s. */
  fallbackPromptRate: number;
  /** Size of each request already committed to a node, output tokens. */
  queuedTokens: number;
  /** This request's expected output, tokens. */
  ownTokens: number;
  /** This request's prompt, tokens. */
  promptTokens: number;
}

/**
 * Seconds until this request would be answered on a node with `committed` requests on
 * `slots` slots: the queue ahead of it drains at slots × per-slot `rate` (each queued request
 * ~`queuedTokens`), then the part of its prompt the node does not cache (`cachedShare`,
 * 0..1) is processed at `prompt` tokens/s and its own output generated at one slot's rate.
 * Measured rates make an Ascend 910B, an H100 and a consumer GPU comparable by when they
 * would answer, not by how many slots they have free.
 */
export function secondsUntilAnswered(
  committed: number,
  slots: number,
  rate: number,
  prompt: number,
  est: WaitEstimate,
  cachedShare = 0,
): number {
  const ahead = committed + 1 - slots;
  const queueSeconds = ahead > 0 ? (ahead * est.queuedTokens) / (slots * rate) : 0;
  return queueSeconds + (est.promptTokens * (1 - cachedShare)) / prompt + est.ownTokens / rate;
}

/**
 * `secondsUntilAnswered` for one node. Unmeasured rates are the fleet's average, so a new
 * node is neither starved nor flooded (its queue grows with what is charged to it like any
 * other).
 */
export function predictedSeconds(node: CandidateNode, est: WaitEstimate): number {
  const total = node.snapshot.load.slotsTotal;
  return secondsUntilAnswered(
    committedWork(node),
    total > 1 ? total : 1,
    slotRate(node) ?? est.fallbackSlotRate,
    promptRate(node) ?? est.fallbackPromptRate,
    est,
  );
}

/** The fleet averages and request size for one decision over `candidates`. */
export function waitEstimate(
  candidates: readonly CandidateNode[],
  req: PlacementRequest,
  tuning: Readonly<PlacementTuning>,
): WaitEstimate {
  const load = new CandidateLoad();
  load.reserve(candidates.length);
  candidates.forEach((c, i) => load.gather(i, c));
  return estimate(load, candidates.length, req, tuning, promptTokensOf(req, tuning.charsPerToken));
}

/** Mean of the measured (non-NaN) values among `column[0, n)`, or `fallback` if none. */
function meanMeasured(column: Float64Array, n: number, fallback: number): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = column[i]!;
    if (v === v) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : fallback;
}

/** `waitEstimate` from the per-candidate load columns (NaN = not measured). */
function estimate(
  load: CandidateLoad,
  n: number,
  req: PlacementRequest,
  tuning: Readonly<PlacementTuning>,
  promptTokens: number,
): WaitEstimate {
  // What requests for this model have been producing, where the nodes measured it.
  const typical = meanMeasured(load.outputTokens, n, tuning.typicalOutputTokens);
  return {
    fallbackSlotRate: meanMeasured(load.slotRate, n, tuning.defaultSlotTokensPerSecond),
    fallbackPromptRate: meanMeasured(load.promptRate, n, tuning.defaultPromptTokensPerSecond),
    queuedTokens: typical,
    // The limit is an upper bound, the typical size a guess: expect the smaller.
    ownTokens: req.maxTokens !== undefined && req.maxTokens < typical ? req.maxTokens : typical,
    promptTokens,
  };
}

/**
 * Unit: minus predicted seconds until answered (so higher is better); 1 weight = 1 s. A node
 * that probably caches part of the prompt (see cachedShares) prefills only the rest.
 */
export const predictedWaitScorer: NodeScorer = {
  name: 'predicted-wait',
  score: (candidates, req, ctx, out) => {
    const { committed, slots, slotRate: rates, promptRate: prompts } = ctx.load;
    const n = candidates.length;
    const est = estimate(ctx.load, n, req, ctx.tuning, ctx.promptTokens);
    const cached = cachedShares(candidates, req, ctx);
    for (let i = 0; i < n; i++) {
      const r = rates[i]!;
      const p = prompts[i]!;
      out[i] = -secondsUntilAnswered(
        committed[i]!,
        slots[i]!,
        r === r ? r : est.fallbackSlotRate,
        p === p ? p : est.fallbackPromptRate,
        est,
        cached === null ? 0 : cached[i]!,
      );
    }
    return true;
  },
};
