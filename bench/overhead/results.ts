import type { MachineFacts } from '../scheduling/machine';
import type { PerTarget } from './interleave';
import type { LatencyResults } from './phase-latency';
import type { RedisResult } from './phase-redis';
import type { StreamsResult } from './phase-streams';
import type { ThroughputResult } from './phase-throughput';

/** Everything one run measured, as the report and the checks read it. */
export interface OverheadReport {
  title: string;
  command: string;
  commit: string;
  startedAt: string;
  durationS: number;
  machine: MachineFacts;
  /** Load average (1, 5, 15 min) when each phase started. */
  phaseLoad: { phase: string; load: string }[];
  settings: { rounds: number; durationS: number; holdS: number; concurrency: number };
  latency: LatencyResults;
  throughput: PerTarget<ThroughputResult>;
  redis: RedisResult;
  streams: StreamsResult[];
  /** Levels of the open-streams phase that could not run, and why. */
  streamFailures: { streams: number; error: string }[];
}
