import type { CandidateNode, PlacementRequest } from '../cluster-view';

/** A hard constraint: a node that fails it cannot take the request. */
export interface NodeFilter {
  readonly name: string;
  accepts(node: CandidateNode, req: PlacementRequest): boolean;
}
