import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { DecisionContext } from '../decision-context';

/**
 * A soft preference. `score` runs once per decision over the nodes that passed every filter
 * and writes node i's value, higher is better, in the scorer's documented unit, to `out[i]`
 * (`out` may be longer than `candidates` and holds garbage until written);
 * per-request work (an index lookup, a fleet average) is done once, not per node. It returns
 * false when it has no opinion this time (every node scores 0, `out` is ignored). Column-wise
 * for the same reason as NodeFilter.sweep. Values combine as a weighted sum.
 */
export interface NodeScorer {
  /** Its key in SCORERS; named in explanations. */
  readonly name: string;
  score(
    candidates: readonly CandidateNode[],
    req: PlacementRequest,
    ctx: DecisionContext,
    out: Float64Array,
  ): boolean;
}

/** Replaces NaN (unknown) among `out[0, n)` by the mean of the known values; false if none. */
export function fillUnknown(out: Float64Array, n: number, sum: number, known: number): boolean {
  if (known === 0) return false;
  if (known < n) {
    const neutral = sum / known;
    for (let i = 0; i < n; i++) if (out[i] !== out[i]) out[i] = neutral;
  }
  return true;
}
