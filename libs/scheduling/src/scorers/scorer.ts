import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { DecisionContext } from '../decision-context';

/** One node's score: higher is better. Each scorer documents its unit. */
export type ScoreFn = (node: CandidateNode) => number;

/**
 * A soft preference. `prepare` runs once per decision over the nodes that passed every
 * filter (so per-request work such as an index lookup or a fleet average is done once, not
 * per node) and returns the per-node score, or null when it has no opinion this time (every
 * node scores 0 and the scorer costs nothing more). Scores combine as a weighted sum.
 */
export interface NodeScorer {
  /** Its key in SCORERS; named in explanations. */
  readonly name: string;
  prepare(
    candidates: readonly CandidateNode[],
    req: PlacementRequest,
    ctx: DecisionContext,
  ): ScoreFn | null;
}
