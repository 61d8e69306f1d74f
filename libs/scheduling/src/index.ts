export * from './cluster-view';
export * from './place';
export type { CandidateExplanation, ScoreExplanation } from './explanation';
export * from './placer';
export * from './create-placer';
export * from './tuning';
export { roundRobinPolicy, randomPolicy, type BaselineOptions } from './baselines';
export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type NodeOutcome,
} from './circuit-breaker';
export { PrefixAffinityIndex, type PrefixAffinityIndexOptions } from './prefix-affinity-index';
export { prefixHashes, requestPrefixHashes, type PrefixHashOptions } from './prefix-hash';
export type { DecisionContext } from './decision-context';
export type { NodeFilter } from './filters/filter';
export type { NodeScorer } from './scorers/scorer';
export { saturation, type Saturation } from './filters/not-saturated.filter';
export { lacksFor, missingCapability } from './filters/capabilities.filter';
export {
  predictedSeconds,
  secondsUntilAnswered,
  waitEstimate,
  type WaitEstimate,
} from './scorers/predicted-wait.scorer';
export { DEFAULT_FILTERS, FILTERS, HARD_FILTERS, type FilterName } from './filters/filters';
export {
  DEFAULT_SCORERS,
  DEFAULT_WEIGHTS,
  SCORERS,
  weightedScorers,
  type ScorerName,
  type WeightedScorer,
} from './scorers/scorers';
