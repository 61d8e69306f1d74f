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

  constructor(private readonly opts: AdaptiveSlotsOptions = ADAPTIVE_DEFAULTS) {
    this.current = clamp(opts.initial, opts.min, opts.max);
  }

  get slots(): number {
    return this.current;
  }

  step(r: SlotReading): number {
    const latency = this.latency(r.own);
    if (r.engineWaiting !== undefined && r.engineWaiting > 0 && r.engineRunning !== undefined) {
      // Past the engine's batch: what it runs is its concurrency.
      return this.set(Math.min(this.current, r.engineRunning));
    }
    if (latency === undefined) return this.current;
    const climbed =
      latency.ttft > this.best.ttft * this.opts.tolerance ||
      latency.itl > this.best.itl * this.opts.tolerance;
    this.best = {
      ttft: Math.min(this.best.ttft * BASELINE_DRIFT, latency.ttft),
      itl: Math.min(this.best.itl * BASELINE_DRIFT, latency.itl),
    };
    if (climbed) return this.set(Math.floor(this.current * BACKOFF));
    const full = r.active >= Math.floor(this.current * 0.9);
    return full ? this.set(Math.ceil(this.current * GROWTH)) : this.current;
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
