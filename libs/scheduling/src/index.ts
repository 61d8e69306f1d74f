export * from './cluster-view';
export * from './place';
export type { NodeFilter } from './filters/filter';
export type { NodeScorer } from './scorers/scorer';
export type { WeightedScorer } from './scorers/scorers';
export { DEFAULT_FILTERS } from './filters/filters';
export { DEFAULT_SCORERS } from './scorers/scorers';
