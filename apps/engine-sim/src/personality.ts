import type { FastifyInstance } from 'fastify';
import type { SimMetrics } from './sim-metrics';
import type { SimEngine, SimSettings } from './sim-options';
import type { SlotPool } from './slot-pool';

/** What every personality gets: the shared cost model, counters and lifecycle state. */
export interface SimContext {
  readonly settings: SimSettings;
  readonly pool: SlotPool;
  readonly metrics: SimMetrics;
  /** Unix seconds when the simulator started. */
  readonly startedAt: number;
  /** True while the simulated engine is still loading its model. */
  isLoading(): boolean;
}

/**
 * One engine's HTTP face. An implementer must own every byte on the wire: it registers all of
 * the engine's routes plus the not-found and error handlers, writes status lines, headers and
 * bodies itself (Fastify only routes and reads bodies as text), and maps cancellation (client
 * disconnect) onto the pool's AbortSignal so slots free at once.
 */
export interface Personality {
  readonly kind: SimEngine;
  register(app: FastifyInstance, ctx: SimContext): void;
}
