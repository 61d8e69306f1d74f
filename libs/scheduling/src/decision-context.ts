import type { CandidateLoad } from './candidate-load';
import type { PrefixAffinityIndex } from './prefix-affinity-index';
import type { PlacementTuning } from './tuning';

/**
 * What filters and scorers share within one decision, built once by `place()`: the inputs
 * that are not facts of a node or of the request, and the aggregates over the candidates.
 */
export interface DecisionContext {
  /** Unix ms of the decision; staleness is not checked when absent. */
  readonly now: number | undefined;
  readonly tuning: Readonly<PlacementTuning>;
  readonly random: () => number;
  readonly prefixIndex: PrefixAffinityIndex | undefined;
  /** The request's prefix hashes, given or computed once for this decision. */
  readonly prefixHashes: readonly string[];
  /** The request's prompt size, tokens (given or estimated from its text). */
  readonly promptTokens: number;
  /**
   * Per candidate, the share of the prompt its engine probably caches (see `cachedShares`):
   * undefined until first asked for, null when no candidate holds any of it.
   */
  cached: Float64Array | null | undefined;
  /** The buffer `cached` is written into (decision scratch). */
  readonly cachedColumn: Float64Array;
  /**
   * (1 + ε) × the candidates' utilisation (their committed work over their slots): the
   * largest committed share a node may have and still get an affinity bonus. Set after
   * filtering.
   */
  loadLimitShare: number;
  /** Per-candidate load columns, filled after filtering (empty while filters run). */
  load: CandidateLoad;
  /** Set by the prefix-affinity scorer when this decision explores (ignores affinity). */
  explored: boolean;
}

/**
 * Bounded load (after Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded
 * Loads"), in shares of slots: affinity may favour the node only while its committed share
 * is at most (1 + ε) times the candidates' average. Stops one hot prefix or session from
 * piling onto one node while others idle; in an idle pool every node qualifies.
 */
export function withinLoadBound(ctx: DecisionContext, i: number): boolean {
  return ctx.load.committed[i]! / ctx.load.slots[i]! <= ctx.loadLimitShare;
}

/** The share limit from the candidates' totals (committed work and slots). */
export function loadLimitShare(committed: number, slots: number, epsilon: number): number {
  return ((1 + epsilon) * committed) / (slots > 1 ? slots : 1);
}
