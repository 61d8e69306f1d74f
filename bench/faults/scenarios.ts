import type { Scenario } from './run';
import { NODE_SCENARIOS } from './scenarios-nodes';
import { REDIS_SCENARIOS } from './scenarios-redis';
import { TRAFFIC_SCENARIOS } from './scenarios-traffic';

/** Every scenario of the suite, in the order they run and are reported. */
export const SCENARIOS: readonly Scenario[] = [
  ...NODE_SCENARIOS,
  ...REDIS_SCENARIOS,
  ...TRAFFIC_SCENARIOS,
];
