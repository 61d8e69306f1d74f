import type { Policy } from './cluster';
import type { WorkloadId } from './trace';

export interface PlannedRun {
  rep: number;
  workload: WorkloadId;
  ratePct: number;
  policy: Policy;
}

/**
 * The order of the runs: every (workload, rate) cell runs each policy back to back, and the
 * policy that goes first rotates from cell to cell, so slow drifts of a shared machine (other
 * jobs starting, thermal throttling) spread over the policies instead of hitting one.
 */
export function runOrder(opts: {
  reps: number;
  workloads: readonly WorkloadId[];
  rates: readonly number[];
  policies: readonly Policy[];
}): PlannedRun[] {
  const runs: PlannedRun[] = [];
  let cell = 0;
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const workload of opts.workloads) {
      for (const ratePct of opts.rates) {
        const n = opts.policies.length;
        for (let i = 0; i < n; i++) {
          runs.push({ rep, workload, ratePct, policy: opts.policies[(cell + i) % n]! });
        }
        cell++;
      }
    }
  }
  return runs;
}
