import type { NodeOutcome } from './circuit-breaker';
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
  /*
   * The life-cycle hooks of a placement (llm-d's PreRequest / ResponseComplete): a placer
   * that keeps state about nodes keeps it here, beside the decision that reads it. The
   * gateway's placement lease calls each at most once per request; baselines have none.
   */
  /** Whether the placer keeps the node out for its recent failures (its circuit is open). */
  circuitOpen?(nodeId: string, now: number): boolean;
  /** The request was handed to the node (its slot claimed), before the node started it. */
  onPlaced?(nodeId: string, req: PlacementRequest, now: number): void;
  /** The node started the request; for a queued request, the node that took it. */
  onStarted?(nodeId: string, req: PlacementRequest, now: number): void;
  /** The request ended on the node, and how that reflects on the node. */
  onFinished?(nodeId: string, outcome: NodeOutcome, now: number): void;
}
