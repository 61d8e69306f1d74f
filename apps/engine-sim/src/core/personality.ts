import type { FastifyInstance } from 'fastify';
import type { SimFaults } from './sim-faults';
import type { SimMetrics } from './sim-metrics';
import type { SimEngine, SimSettings } from './sim-options';
import type { SlotPool } from './slot-pool';

/**
 * What every personality gets: the shared cost model, counters, fault state and lifecycle.
 *
 * - Generation: build a `GenerationJob` (its `reasoning` and `tool` say whether the choice thinks
 *   and which tool it calls) and call `runGeneration(ctx, job, onEvent)`; it applies every fault
 *   knob. Token events carry answer `text`, `reasoning` text and `toolCall` fragments apart.
 * - Embeddings: `runEmbeddings(ctx, job)`.
 * - Errors arrive as `SimError` kinds; render each in the engine's shape (`overloaded` included).
 * - Gauges: `pool` (busy, waiting, KV), `metrics` (throughput, prefix-cache counters).
 */
export interface SimContext {
  readonly settings: SimSettings;
  readonly pool: SlotPool;
  readonly metrics: SimMetrics;
  /** The live fault knobs (`POST /__sim/faults` changes them); runners consult them. */
  readonly faults: SimFaults;
  /** Unix seconds when the simulator started. */
  readonly startedAt: number;
  /** True while the simulated engine is still loading its model. */
  isLoading(): boolean;
  /** KV cache in use, 0..1, for engines that report a KV gauge (llama.cpp does not). */
  kvUsage(): number;
}

/** Listeners an engine opens besides its inference one (MindIE: management and metrics ports). */
export type SimPlane = 'management' | 'metrics';

/** One Fastify app per plane the personality declared, each on a port of its own. */
export type PlaneApps = Readonly<Partial<Record<SimPlane, FastifyInstance>>>;

/**
 * One engine's HTTP face. An implementer must own every byte on the wire: it registers all of
 * the engine's routes plus the not-found and error handlers, writes status lines, headers and
 * bodies itself (Fastify only routes and reads bodies as text), and maps cancellation (client
 * disconnect) onto the pool's AbortSignal so slots free at once. Paths under `/__sim/` belong to
 * the simulator and never reach a personality.
 */
export interface Personality {
  readonly kind: SimEngine;
  /**
   * Planes the engine serves on listeners of their own; the simulator opens one per entry and
   * hands their apps to `register` (the same duties apply there). Left out: one listener.
   */
  readonly planes?: readonly SimPlane[];
  register(app: FastifyInstance, ctx: SimContext, planes: PlaneApps): void;
}
