import type { CandidateNode, PlacementRequest } from './cluster-view';
import type { PlacementDecision } from './place';

/** Placement strategies the gateway can be configured with (`placement:` in its config). */
export const PLACEMENT_STRATEGIES = ['switchyard', 'round-robin', 'random'] as const;
export type PlacementStrategy = (typeof PLACEMENT_STRATEGIES)[number];

/**
 * What the gateway calls per request. Unlike `place()` a placer may keep state between
 * calls (the prefix index, a rotation counter), so the gateway holds one per process and
 * calls it from one thread of control. It never charges the choice: the caller does.
 */
export interface Placer {
  readonly strategy: PlacementStrategy;
  place(nodes: readonly CandidateNode[], req: PlacementRequest, now: number): PlacementDecision;
}
