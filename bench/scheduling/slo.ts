/**
 * The service-level objectives goodput is measured against. A request is "good" when it
 * succeeded, its first token came within the TTFT objective and its tokens then came at a
 * mean gap within the inter-token objective.
 */
export const SLO = {
  ttftMs: 2000,
  meanItlMs: 50,
} as const;

/** The acceptance checks, evaluated at the rate closest to this share of capacity. */
export const CHECK_RATE_PCT = 80;
export const CHECKS = {
  /** switchyard p90 TTFT at most this times round-robin's. */
  p90TtftRatio: 0.5,
  /** switchyard goodput at least this times round-robin's. */
  goodputRatio: 1.3,
  /** switchyard prefix-cache hit rate at least this times round-robin's (shared-prefix workload). */
  prefixHitRatio: 2,
} as const;
