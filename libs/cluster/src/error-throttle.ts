/** How often one distinct error may be logged. */
export const DEFAULT_ERROR_LOG_INTERVAL_MS = 5000;

/**
 * Lets each distinct error message through at most once per interval, telling how many of
 * the same were held back since: a Redis that fails every call produces a line every few
 * seconds, not one per attempt.
 */
export class ErrorThrottle {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly sink: (err: Error, suppressed: number) => void,
    private readonly intervalMs = DEFAULT_ERROR_LOG_INTERVAL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  readonly report = (err: unknown): void => {
    const error = err instanceof Error ? err : new Error(String(err));
    const key = error.message;
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed++;
      return;
    }
    if (this.seen.size > 100) this.forgetOlderThan(now - this.intervalMs);
    this.seen.set(key, { at: now, suppressed: 0 });
    this.sink(error, entry?.suppressed ?? 0);
  };

  private forgetOlderThan(t: number): void {
    for (const [key, e] of this.seen) if (e.at < t) this.seen.delete(key);
  }
}

/** Exponential backoff with full-half jitter: `min..max`, doubling per consecutive failure. */
export class Backoff {
  private current = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  /** The next pause, in ms (grows until `reset`). */
  next(): number {
    this.current = Math.min(this.maxMs, Math.max(this.minMs, this.current * 2));
    return this.current * (0.5 + Math.random() / 2);
  }

  reset(): void {
    this.current = 0;
  }
}
