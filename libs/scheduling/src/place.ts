import { nodeId, type CandidateNode, type PlacementRequest } from './cluster-view';
import { DEFAULT_FILTERS } from './filters/filters';
import type { NodeFilter } from './filters/filter';
import { DEFAULT_SCORERS, type WeightedScorer } from './scorers/scorers';

export interface PlacementPolicy {
  filters: readonly NodeFilter[];
  scorers: readonly WeightedScorer[];
  /** Breaks ties between equal scores; injectable so tests are deterministic. */
  random: () => number;
}

export const DEFAULT_POLICY: PlacementPolicy = {
  filters: DEFAULT_FILTERS,
  scorers: DEFAULT_SCORERS,
  random: Math.random,
};

/** Why each node was or was not chosen — the basis of the debug explanation. */
export interface CandidateExplanation {
  nodeId: string;
  /** The first filter that removed the node, if any. */
  removedBy?: string;
  /** Each scorer's raw value, for nodes that passed every filter. */
  scores?: Record<string, number>;
  total?: number;
}

export interface PlacementDecision {
  /** The chosen node, or null when no node passed the filters. */
  chosen: CandidateNode | null;
  candidates: CandidateExplanation[];
}

/**
 * Picks the best node for a request: drop nodes that fail any filter, then take the highest
 * weighted score. Pure: the caller charges the choice (its local in-flight count) at once,
 * so the next decision in a burst already sees it.
 */
export function place(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  policy: PlacementPolicy = DEFAULT_POLICY,
): PlacementDecision {
  const candidates: CandidateExplanation[] = [];
  let best: CandidateNode | null = null;
  let bestTotal = -Infinity;
  let ties = 0;

  for (const node of nodes) {
    const removedBy = policy.filters.find((f) => !f.accepts(node, req))?.name;
    if (removedBy !== undefined) {
      candidates.push({ nodeId: nodeId(node), removedBy });
      continue;
    }
    const scores: Record<string, number> = {};
    let total = 0;
    for (const { scorer, weight } of policy.scorers) {
      const value = scorer.score(node, req);
      scores[scorer.name] = value;
      total += weight * value;
    }
    candidates.push({ nodeId: nodeId(node), scores, total });

    if (total > bestTotal) {
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
  return { chosen: best, candidates };
}
