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
  accepts(node: CandidateNode, req: PlacementRequest, ctx: DecisionContext): boolean;
}
