import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { DecisionContext } from '../decision-context';

/**
 * A constraint a node must meet to take the request. `hard`: the node can never serve it
 * as things stand (wrong model, not ready). `capacity`: the node could, but is too busy now;
 * when capacity filters remove every node that passed the hard ones, the request is
 * saturated (queue it) rather than unplaceable. Hard filters always run first.
 */
export interface NodeFilter {
  /** Its key in FILTERS; named in explanations. */
  readonly name: string;
  readonly kind: 'hard' | 'capacity';
  /** The test itself, for one node. */
  accepts(node: CandidateNode, req: PlacementRequest, ctx: DecisionContext): boolean;
  /**
   * The same test over a whole decision: for each node still in (`removed[i] === 0`) that
   * fails, set `removed[i] = code`. Column-wise, with `accepts` called from the filter's own
   * loop, because a thousand nodes × six filters of indirect calls is most of a 100 µs
   * budget; Each filter file writes this four-line loop.
   */
  sweep(
    nodes: readonly CandidateNode[],
    req: PlacementRequest,
    ctx: DecisionContext,
    removed: Uint8Array,
    code: number,
  ): void;
}
