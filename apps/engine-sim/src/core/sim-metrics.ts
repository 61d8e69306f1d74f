/** Throughput over a window: since start for totals, since the last scrape for the bucket. */
export interface ThroughputWindow {
  promptTokens: number;
  promptMs: number;
  predictedTokens: number;
  predictedMs: number;
}

/**
 * Prefix-cache lookups, counted when a sequence that may reuse cache starts. Engines that export
 * vLLM-style `prefix_cache_queries` / `prefix_cache_hits` counters report the token counts.
 */
export interface PrefixCacheCounters {
  /** Prompt tokens looked up. */
  queryTokens: number;
  /** Prompt tokens found in cache (their prefill was skipped). */
  hitTokens: number;
  /** Sequences that looked up. */
  queries: number;
  /** Sequences that reused at least one token. */
  hits: number;
}

const emptyWindow = (): ThroughputWindow => ({
  promptTokens: 0,
  promptMs: 0,
  predictedTokens: 0,
  predictedMs: 0,
});

/**
 * Engine-neutral counters the slot pool feeds; each personality renders them under its own
 * metric names. Like llama.cpp, prompt counters move when a prefill ends and prediction
 * counters when a sequence completes (a cancelled one never adds its predictions).
 */
export class SimMetrics {
  readonly total: ThroughputWindow = emptyWindow();
  private bucket: ThroughputWindow = emptyWindow();
  /** Batched decode calls, prefill included. */
  decodeCalls = 0;
  /** Sum over decode calls of the slots taking part, for the average batch size. */
  busySlotsInDecodes = 0;
  /** Largest number of tokens held by one slot. */
  maxSlotTokens = 0;
  readonly prefixCache: PrefixCacheCounters = { queryTokens: 0, hitTokens: 0, queries: 0, hits: 0 };

  onPromptEvaluated(tokens: number, ms: number): void {
    this.total.promptTokens += tokens;
    this.total.promptMs += ms;
    this.bucket.promptTokens += tokens;
    this.bucket.promptMs += ms;
  }

  onPrediction(tokens: number, ms: number): void {
    this.total.predictedTokens += tokens;
    this.total.predictedMs += ms;
    this.bucket.predictedTokens += tokens;
    this.bucket.predictedMs += ms;
  }

  onDecode(busySlots: number, calls = 1): void {
    this.decodeCalls += calls;
    this.busySlotsInDecodes += busySlots * calls;
  }

  onPrefixLookup(promptTokens: number, cachedTokens: number): void {
    const counters = this.prefixCache;
    counters.queryTokens += promptTokens;
    counters.hitTokens += cachedTokens;
    counters.queries += 1;
    if (cachedTokens > 0) counters.hits += 1;
  }

  onSlotTokens(tokens: number): void {
    this.maxSlotTokens = Math.max(this.maxSlotTokens, tokens);
  }

  /** Returns the window since the previous call and starts a new one (a scrape resets it). */
  takeBucket(): ThroughputWindow {
    const bucket = this.bucket;
    this.bucket = emptyWindow();
    return bucket;
  }
}
