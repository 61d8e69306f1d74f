import type { EngineCounters } from '@switchyard/engines';

/** What one control step sees: this node's use and what the engine says of its own queue. */
export interface SlotReading {
  /** Jobs the worker runs now. */
  active: number;
  /** Requests the engine says it runs and queues (vLLM num_requests_running / _waiting). */
  engineRunning?: number;
  engineWaiting?: number;
  /** The worker's own cumulative counters (OwnCounters.snapshot()). */
  own: Partial<EngineCounters>;
}

export interface AdaptiveSlotsOptions {
  initial: number;
  min: number;
  max: number;
  /**
   * How far above the best latency seen a batch may push time to first token or inter-token
   * latency and still count as flat: a batching engine decodes a full batch somewhat slower per
   * token (memory bandwidth), but past its batch requests wait inside it and latency climbs.
   */
  tolerance: number;
}

export const ADAPTIVE_DEFAULTS: AdaptiveSlotsOptions = {
  initial: 4,
  min: 1,
  max: 1024,
  tolerance: 2.5,
};

/** Growth per step while every slot is busy and latency is flat; shrink when it climbs. */
const GROWTH = 1.5;
const BACKOFF = 0.7;
/** Steps (about seconds) an engine's own queueing caps growth before the node probes again. */
const CEILING_STEPS = 120;
/** Token times of extra TTFT that mean requests queue inside the engine. */
const QUEUED_TOKENS = 2;
/** The best latency seen drifts up this much per step, so a slower phase is not held against it forever. */
const BASELINE_DRIFT = 1.002;

/**
 * A node's concurrency when its engine does not state it (vLLM's max_num_seqs is configuration):
 * AIMD-like and bounded. While every slot is busy and TTFT and inter-token latency stay within
 * `tolerance` of the best seen, the node takes more; when they climb, fewer; when the engine
 * says it queues requests itself, exactly as many as it runs.
 */
export class AdaptiveSlots {
  private current: number;
  private last: Partial<EngineCounters> | undefined;
  private best = { ttft: Infinity, itl: Infinity };
  /** What the engine ran when it last queued requests itself; not exceeded for a while. */
  private ceiling: { slots: number; steps: number } | undefined;

  constructor(private readonly opts: AdaptiveSlotsOptions = ADAPTIVE_DEFAULTS) {
    this.current = clamp(opts.initial, opts.min, opts.max);
  }

  get slots(): number {
    return this.current;
  }

  step(r: SlotReading): number {
    const latency = this.latency(r.own);
    if (this.ceiling && --this.ceiling.steps <= 0) this.ceiling = undefined;
    if (r.engineWaiting !== undefined && r.engineWaiting > 0 && r.engineRunning !== undefined) {
      // Past the engine's batch: what it runs is its concurrency.
      const running = Math.max(this.opts.min, r.engineRunning);
      this.ceiling = { slots: running, steps: CEILING_STEPS };
      return this.set(Math.min(this.current, running));
    }
    if (latency === undefined) return this.current;
    // Waiting inside an engine past its batch costs at least a few token times before the first
    // token; a TTFT of a few milliseconds doubling on a busy host does not.
    const climbed =
      latency.ttft > this.best.ttft * this.opts.tolerance + QUEUED_TOKENS * this.best.itl ||
      latency.itl > this.best.itl * this.opts.tolerance;
    this.best = {
      ttft: Math.min(this.best.ttft * BASELINE_DRIFT, latency.ttft),
      itl: Math.min(this.best.itl * BASELINE_DRIFT, latency.itl),
    };
    if (climbed) return this.set(Math.floor(this.current * BACKOFF));
    const full = r.active >= Math.floor(this.current * 0.9);
    if (!full) return this.current;
    return this.set(Math.min(Math.ceil(this.current * GROWTH), this.ceiling?.slots ?? Infinity));
  }

  /** Mean TTFT and inter-token latency of the requests that finished since the last step. */
  private latency(own: Partial<EngineCounters>): { ttft: number; itl: number } | undefined {
    const before = this.last;
    this.last = own;
    if (before === undefined) return undefined;
    const d = (k: keyof EngineCounters) => (own[k] ?? 0) - (before[k] ?? 0);
    const firsts = d('ttftCount');
    const tokens = d('decodeTokensTotal');
    if (firsts <= 0 || tokens <= 0) return undefined;
    return { ttft: d('ttftSecondsSum') / firsts, itl: d('decodeSecondsSum') / tokens };
  }

  private set(n: number): number {
    this.current = clamp(n, this.opts.min, this.opts.max);
    return this.current;
  }
}

function clamp(n: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, Math.round(n)));
}
