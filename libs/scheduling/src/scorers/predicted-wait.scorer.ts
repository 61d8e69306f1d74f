import { committedWork, type CandidateNode, type PlacementRequest } from '../cluster-view';
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
 * Measured generation rate of one slot, tokens/s: the node's aggregate throughput over the
 * requests that produced it. Null when the engine has not measured one (new or idle node).
 */
export function slotRate(node: CandidateNode): number | null {
  const { generationTokensPerSecond: g, running } = node.snapshot.load;
  if (g === null || !(g > 0)) return null;
  return g / (running > 1 ? running : 1);
}

/** Measured prompt processing rate, tokens/s, or null. */
export function promptRate(node: CandidateNode): number | null {
  const p = node.snapshot.load.promptTokensPerSecond;
  return p !== null && p > 0 ? p : null;
}

/**
 * Seconds until this request would be answered on a node with `committed` requests on
 * `slots` slots: the queue ahead of it drains at slots × per-slot `rate` (each queued request
 * ~`queuedTokens`), then its prompt is processed at `prompt` tokens/s and its own output
 * generated at one slot's rate. Measured rates make an Ascend 910B, an H100 and a consumer
 * GPU comparable by when they would answer, not by how many slots they have free.
 */
export function secondsUntilAnswered(
  committed: number,
  slots: number,
  rate: number,
  prompt: number,
  est: WaitEstimate,
): number {
  const ahead = committed + 1 - slots;
  const queueSeconds = ahead > 0 ? (ahead * est.queuedTokens) / (slots * rate) : 0;
  return queueSeconds + est.promptTokens / prompt + est.ownTokens / rate;
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

/**
 * The fleet averages and request size for one decision. With `rates`, also leaves there
 * each candidate's measured slot rate (NaN when it has none), saving the scorer a pass.
 */
export function waitEstimate(
  candidates: readonly CandidateNode[],
  req: PlacementRequest,
  tuning: Readonly<PlacementTuning>,
  rates?: Float64Array,
): WaitEstimate {
  let slotRates = 0;
  let slotRateCount = 0;
  let promptRates = 0;
  let promptRateCount = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const r = slotRate(c);
    if (r !== null) {
      slotRates += r;
      slotRateCount++;
    }
    if (rates !== undefined) rates[i] = r ?? NaN;
    const p = promptRate(c);
    if (p !== null) {
      promptRates += p;
      promptRateCount++;
    }
  }
  const typical = tuning.typicalOutputTokens;
  const promptChars = req.promptText?.length ?? 0;
  return {
    fallbackSlotRate:
      slotRateCount > 0 ? slotRates / slotRateCount : tuning.defaultSlotTokensPerSecond,
    fallbackPromptRate:
      promptRateCount > 0 ? promptRates / promptRateCount : tuning.defaultPromptTokensPerSecond,
    queuedTokens: typical,
    // The limit is an upper bound, the typical size a guess: expect the smaller.
    ownTokens: req.maxTokens !== undefined && req.maxTokens < typical ? req.maxTokens : typical,
    promptTokens: req.estimatedPromptTokens ?? promptChars / tuning.charsPerToken,
  };
}

/** Unit: minus predicted seconds until answered (so higher is better); 1 weight = 1 s. */
export const predictedWaitScorer: NodeScorer = {
  name: 'predicted-wait',
  score: (candidates, req, ctx, out) => {
    const est = waitEstimate(candidates, req, ctx.tuning, out);
    const { committed, slots } = ctx;
    for (let i = 0; i < candidates.length; i++) {
      const measured = out[i]!;
      const rate = measured === measured ? measured : est.fallbackSlotRate;
      const prompt = promptRate(candidates[i]!) ?? est.fallbackPromptRate;
      out[i] = -secondsUntilAnswered(committed[i]!, slots[i]!, rate, prompt, est);
    }
    return true;
  },
};
