import { committedWork, nodeId, type CandidateNode, type PlacementRequest } from './cluster-view';
import { loadLimitShare, type DecisionContext } from './decision-context';
import type { NodeFilter } from './filters/filter';
import { DEFAULT_FILTERS } from './filters/filters';
import type { PrefixAffinityIndex } from './prefix-affinity-index';
import { requestPrefixHashes } from './prefix-hash';
import type { ScoreFn } from './scorers/scorer';
import { DEFAULT_SCORERS, type WeightedScorer } from './scorers/scorers';
import { DEFAULT_TUNING, type PlacementTuning } from './tuning';

/** Everything a decision depends on besides the nodes and the request. */
export interface PlacementPolicy {
  /** Hard filters run first, then capacity filters (see NodeFilter), each in list order. */
  filters: readonly NodeFilter[];
  scorers: readonly WeightedScorer[];
  /** Breaks ties and draws exploration; injectable so tests are deterministic. */
  random: () => number;
  tuning: Readonly<PlacementTuning>;
  /** Unix ms of the decision, for staleness and affinity age; unchecked when absent. */
  now?: number;
  /** The gateway's prefix memory; prefix affinity is off without it. */
  prefixIndex?: PrefixAffinityIndex;
  /** Build per-candidate explanations (default true); off, `candidates` is empty. */
  explain?: boolean;
}

export const DEFAULT_POLICY: PlacementPolicy = {
  filters: DEFAULT_FILTERS,
  scorers: DEFAULT_SCORERS,
  random: Math.random,
  tuning: DEFAULT_TUNING,
};

export interface ScoreExplanation {
  /** The scorer's raw value, in its own unit. */
  value: number;
  weight: number;
}

/** Why each node was or was not chosen — the basis of the debug explanation. */
export interface CandidateExplanation {
  nodeId: string;
  /** The first filter that removed the node, if any. */
  removedBy?: string;
  /** Each scorer's raw value and weight, for nodes that passed every filter. */
  scores?: Record<string, ScoreExplanation>;
  /** The weighted sum of the scores. */
  total?: number;
}

interface DecisionBase {
  /** In the order of the input nodes; empty when explanations are off. */
  candidates: readonly CandidateExplanation[];
  /** This decision ignored prefix affinity on purpose (exploration). */
  explored: boolean;
}

export interface PlacedDecision extends DecisionBase {
  outcome: 'placed';
  chosen: CandidateNode;
  saturated: false;
}

/**
 * Nodes could serve the request but every one of them is saturated: the caller should hold
 * it in admission (the model's overflow queue) until capacity frees, not fail it and not
 * pile it onto a full node.
 */
export interface SaturatedDecision extends DecisionBase {
  outcome: 'saturated';
  chosen: null;
  saturated: true;
}

/** No node can serve the request at all (model, state, modalities, selectors, circuit). */
export interface NoNodeDecision extends DecisionBase {
  outcome: 'no-node';
  chosen: null;
  saturated: false;
}

export type PlacementDecision = PlacedDecision | SaturatedDecision | NoNodeDecision;

const NO_EXPLANATIONS: readonly CandidateExplanation[] = Object.freeze([]);

/**
 * Picks the best node for a request: drop nodes that fail a filter, then take the highest
 * weighted score, ties broken at random. Pure apart from `policy.random`: the caller charges
 * the choice (its local in-flight count) at once, so the next decision in a burst sees it,
 * and records the prefix in its index.
 */
export function place(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  policy: PlacementPolicy = DEFAULT_POLICY,
): PlacementDecision {
  const explain = policy.explain !== false;
  const ctx: DecisionContext = {
    now: policy.now,
    tuning: policy.tuning,
    random: policy.random,
    prefixIndex: policy.prefixIndex,
    prefixHashes: policy.prefixIndex === undefined ? [] : requestPrefixHashes(req),
    loadLimitShare: 0,
    explored: false,
  };

  const survivors: CandidateNode[] = [];
  const candidates: CandidateExplanation[] = [];
  const survivorExplanations: CandidateExplanation[] = [];
  let saturatedCount = 0;
  let committed = 0;
  let slots = 0;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const rejectedBy = rejection(node, req, ctx, policy.filters);
    if (rejectedBy !== null) {
      if (rejectedBy.kind === 'capacity') saturatedCount++;
      if (explain) candidates.push({ nodeId: nodeId(node), removedBy: rejectedBy.name });
      continue;
    }
    survivors.push(node);
    committed += committedWork(node);
    const s = node.snapshot.load.slotsTotal;
    slots += s > 1 ? s : 1;
    if (explain) {
      const e: CandidateExplanation = { nodeId: nodeId(node) };
      candidates.push(e);
      survivorExplanations.push(e);
    }
  }
  const explanations = explain ? candidates : NO_EXPLANATIONS;
  if (survivors.length === 0) {
    return saturatedCount > 0
      ? {
          outcome: 'saturated',
          chosen: null,
          saturated: true,
          candidates: explanations,
          explored: false,
        }
      : {
          outcome: 'no-node',
          chosen: null,
          saturated: false,
          candidates: explanations,
          explored: false,
        };
  }

  ctx.loadLimitShare = loadLimitShare(committed, slots, policy.tuning.loadBoundEpsilon);
  const fns: ScoreFn[] = [];
  const weights: number[] = [];
  const active: WeightedScorer[] = [];
  const silent: WeightedScorer[] = [];
  for (const ws of policy.scorers) {
    if (ws.weight === 0) continue;
    const fn = ws.scorer.prepare(survivors, req, ctx);
    if (fn === null) {
      silent.push(ws);
    } else {
      fns.push(fn);
      weights.push(ws.weight);
      active.push(ws);
    }
  }

  const n = fns.length;
  let best = survivors[0]!;
  let bestTotal = -Infinity;
  let ties = 0;
  for (let i = 0; i < survivors.length; i++) {
    const node = survivors[i]!;
    let total = 0;
    if (explain) {
      const scores: Record<string, ScoreExplanation> = {};
      for (let j = 0; j < n; j++) {
        const value = fns[j]!(node);
        scores[active[j]!.scorer.name] = { value, weight: weights[j]! };
        total += weights[j]! * value;
      }
      for (const ws of silent) scores[ws.scorer.name] = { value: 0, weight: ws.weight };
      const e = survivorExplanations[i]!;
      e.scores = scores;
      e.total = total;
    } else {
      for (let j = 0; j < n; j++) total += weights[j]! * fns[j]!(node);
    }
    if (total !== total) total = -Infinity; // a NaN score never wins, never blocks a choice

    if (total > bestTotal || ties === 0) {
      best = node;
      bestTotal = total;
      ties = 1;
    } else if (total === bestTotal) {
      // Reservoir choice among equals: each tied node is equally likely, so replicas that
      // see the same view do not all pick the first node.
      ties += 1;
      if (policy.random() * ties < 1) best = node;
    }
  }
  return {
    outcome: 'placed',
    chosen: best,
    saturated: false,
    candidates: explanations,
    explored: ctx.explored,
  };
}

/** The first filter that removes the node: hard filters before capacity filters. */
function rejection(
  node: CandidateNode,
  req: PlacementRequest,
  ctx: DecisionContext,
  filters: readonly NodeFilter[],
): NodeFilter | null {
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    if (f.kind === 'hard' && !f.accepts(node, req, ctx)) return f;
  }
  for (let i = 0; i < filters.length; i++) {
    const f = filters[i]!;
    if (f.kind === 'capacity' && !f.accepts(node, req, ctx)) return f;
  }
  return null;
}
