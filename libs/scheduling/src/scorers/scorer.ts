import type { CandidateNode, PlacementRequest } from '../cluster-view';

/** A soft preference: higher is better. Scores are combined as a weighted sum. */
export interface NodeScorer {
  readonly name: string;
  score(node: CandidateNode, req: PlacementRequest): number;
}
