import { freeSlotsScorer } from './free-slots.scorer';
import type { NodeScorer } from './scorer';

export interface WeightedScorer {
  scorer: NodeScorer;
  weight: number;
}

/** A new scorer is one file and one row here. */
export const DEFAULT_SCORERS: readonly WeightedScorer[] = [{ scorer: freeSlotsScorer, weight: 1 }];
