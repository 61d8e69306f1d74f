import { CircuitBreaker } from './circuit-breaker';
import { nodeId } from './cluster-view';
import { DEFAULT_FILTERS } from './filters/filters';
import { place, type PlacementPolicy } from './place';
import { PLACEMENT_STRATEGIES, type Placer, type PlacementStrategy } from './placer';
import { randomPolicy, roundRobinPolicy } from './baselines';
import { PrefixAffinityIndex } from './prefix-affinity-index';
import { requestPrefixHashes } from './prefix-hash';
import { weightedScorers, type ScorerName } from './scorers/scorers';
import { resolveTuning, type PlacementTuning } from './tuning';

export interface PlacerConfig {
  /** Default `switchyard` (filters + weighted scorers); the others are load-blind baselines. */
  placement?: PlacementStrategy;
  /** Overrides of DEFAULT_WEIGHTS; 0 turns a scorer off. */
  weights?: Partial<Record<ScorerName, number>>;
  /** Overrides of DEFAULT_TUNING. */
  tuning?: Partial<PlacementTuning>;
  /** Default Math.random. */
  random?: () => number;
  /** The gateway's prefix memory; a fresh one with default bounds when absent. */
  prefixIndex?: PrefixAffinityIndex;
  /** Build per-candidate explanations (default false: they cost more than the decision). */
  explain?: boolean;
  /** The nodes' circuits; a fresh breaker with default thresholds when absent. */
  breaker?: CircuitBreaker;
}

/** The switchyard placer, with the prefix index and circuit breaker it keeps. */
export interface SwitchyardPlacer extends Required<Placer> {
  readonly strategy: 'switchyard';
  readonly policy: Readonly<PlacementPolicy>;
  readonly prefixIndex: PrefixAffinityIndex;
  readonly breaker: CircuitBreaker;
}

/** One row per strategy: a new strategy is one file and one row. */
const PLACERS = {
  switchyard: (config) => switchyardPlacer(config),
  'round-robin': (config) => roundRobinPolicy({ explain: config.explain === true }),
  random: (config) =>
    randomPolicy(config.random ?? Math.random, { explain: config.explain === true }),
} as const satisfies Record<PlacementStrategy, (config: PlacerConfig) => Placer>;

/**
 * The gateway's placer for its configured strategy. Checks the configuration at once and
 * throws a RangeError naming every bad value, so a bad config fails at boot.
 */
export function createPlacer(config: PlacerConfig = {}): Placer {
  const strategy = config.placement ?? 'switchyard';
  // A config file that skipped validation can name anything.
  if (!Object.hasOwn(PLACERS, strategy))
    throw new RangeError(`placement must be one of ${PLACEMENT_STRATEGIES.join(', ')}`);
  return PLACERS[strategy](config);
}

export function switchyardPlacer(config: PlacerConfig = {}): SwitchyardPlacer {
  const prefixIndex = config.prefixIndex ?? new PrefixAffinityIndex();
  const policy: PlacementPolicy = Object.freeze({
    filters: DEFAULT_FILTERS,
    scorers: weightedScorers(config.weights),
    random: config.random ?? Math.random,
    tuning: resolveTuning(config.tuning),
    prefixIndex,
    explain: config.explain === true,
  });
  const breaker = config.breaker ?? new CircuitBreaker();
  return {
    strategy: 'switchyard',
    policy,
    prefixIndex,
    breaker,
    circuitOpen: (nodeId, now) => breaker.isOpen(nodeId, now),
    onPlaced: (nodeId, _req, now) => breaker.dispatched(nodeId, now),
    // A queued request runs on the node that took it, not on the one first chosen: that
    // node holds its prefix now, so the next request with it follows.
    onStarted: (nodeId, req, now) => {
      const hashes = req.prefixHashes ?? [];
      if (hashes.length > 0) prefixIndex.record(hashes, nodeId, now);
    },
    onFinished: (nodeId, outcome, now) => breaker.record(nodeId, outcome, now),
    place(nodes, req, now) {
      const hashes = requestPrefixHashes(req);
      const withHashes =
        hashes.length === 0 || hashes === req.prefixHashes ? req : { ...req, prefixHashes: hashes };
      const decision = place(nodes, withHashes, { ...policy, now });
      // Remember the choice at once: the engine will hold the prefix by the time the next
      // request with it arrives, and bounded load keeps a burst from piling on.
      if (decision.chosen !== null && hashes.length > 0) {
        prefixIndex.record(hashes, nodeId(decision.chosen), now);
      }
      return decision;
    },
  };
}
