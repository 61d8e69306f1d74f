/**
 * The numbers placement uses besides the scorer weights. Flat, so a config file can override
 * any one of them with `{ ...DEFAULT_TUNING, ...fromConfig }`.
 */
export interface PlacementTuning {
  /** Saturated when the requests queued behind the slots reach this many per slot. */
  maxQueuePerSlot: number;
  /** Saturated at this KV-cache use (0..1): new sequences would evict or preempt others. */
  maxKvCacheUsage: number;
  /**
   * A snapshot older than this (worker clock `at` against the decision's `now`) is not
   * trusted and counts as saturated. Above the view's own drop time (2.5 s by default) so
   * only old or clock-skewed snapshots trip it.
   */
  staleAfterMs: number;
  /**
   * Bounded load for affinity (ε): a node gets an affinity bonus only while its committed
   * share of its slots is at most (1 + ε) × the candidates' average share.
   */
  loadBoundEpsilon: number;
  /** Probability (0..1) that a decision ignores prefix affinity, so new nodes learn prefixes. */
  prefixExplorationProbability: number;
  /**
   * Output tokens of a typical request when no candidate has measured its mean
   * (NodeLoad.meanOutputTokens): the size of each queued request, and the cap on own.
   */
  typicalOutputTokens: number;
  /** Per-slot generation rate assumed when no candidate has measured one, tokens/s. */
  defaultSlotTokensPerSecond: number;
  /** Prompt processing rate assumed when no candidate has measured one, tokens/s. */
  defaultPromptTokensPerSecond: number;
  /** For estimating prompt tokens from prompt text when the caller gives no estimate. */
  charsPerToken: number;
}

export const DEFAULT_TUNING: Readonly<PlacementTuning> = Object.freeze({
  maxQueuePerSlot: 1,
  maxKvCacheUsage: 0.95,
  staleAfterMs: 5_000,
  loadBoundEpsilon: 0.25,
  prefixExplorationProbability: 0.02,
  typicalOutputTokens: 256,
  defaultSlotTokensPerSecond: 20,
  defaultPromptTokensPerSecond: 1_000,
  charsPerToken: 4,
});

/** `DEFAULT_TUNING` with `overrides`; throws one RangeError naming every bad value. */
export function resolveTuning(overrides: Partial<PlacementTuning> = {}): Readonly<PlacementTuning> {
  const t: PlacementTuning = { ...DEFAULT_TUNING, ...overrides };
  const problems: string[] = [];
  const positive = [
    'maxQueuePerSlot',
    'staleAfterMs',
    'typicalOutputTokens',
    'defaultSlotTokensPerSecond',
    'defaultPromptTokensPerSecond',
    'charsPerToken',
  ] as const;
  for (const key of positive) {
    if (!(t[key] > 0 && Number.isFinite(t[key]))) problems.push(`${key} must be positive`);
  }
  if (!(t.maxKvCacheUsage > 0 && t.maxKvCacheUsage <= 1)) {
    problems.push('maxKvCacheUsage must be in (0, 1]');
  }
  if (!(t.loadBoundEpsilon >= 0 && Number.isFinite(t.loadBoundEpsilon))) {
    problems.push('loadBoundEpsilon must be a non-negative number');
  }
  if (!(t.prefixExplorationProbability >= 0 && t.prefixExplorationProbability <= 1)) {
    problems.push('prefixExplorationProbability must be in [0, 1]');
  }
  if (problems.length > 0) throw new RangeError(`placement tuning: ${problems.join('; ')}`);
  return Object.freeze(t);
}
