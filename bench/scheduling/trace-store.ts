import { join } from 'node:path';
import { fleetCapacity, type Capacity } from './capacity';
import { BENCH_FLEET, BENCH_MODEL } from './fleet-spec';
import { createRng } from './prng';
import { loadTrace, saveTrace, traceKey, type Trace, type WorkloadId } from './trace';
import { WORKLOADS } from './workloads';

/**
 * Capacity is estimated on the trace's first this-many unit-rate seconds (about as many
 * requests), whatever its length, so a given seed always yields the same capacity and rates.
 */
const CAPACITY_UNIT_S = 400;

/**
 * The trace of one workload, long enough for `maxRatePct` of capacity over `durationS`:
 * read from `dir` when an earlier run recorded it (same workload, seed and parameters) and it
 * is long enough, else drawn from the seed and recorded there. Drawing is prefix-stable: a
 * longer trace starts with the shorter one.
 */
export function workloadTrace(
  workload: WorkloadId,
  seed: number,
  maxRatePct: number,
  durationS: number,
  dir: string,
): { trace: Trace; capacity: Capacity; path: string } {
  const spec = WORKLOADS[workload];
  const path = join(
    dir,
    `${traceKey(workload, seed, { ...spec.params, model: BENCH_MODEL })}.json`,
  );
  const capacityOf = (trace: Trace): Capacity =>
    fleetCapacity(
      BENCH_FLEET,
      trace.conversations.filter((c) => c.at < CAPACITY_UNIT_S),
    );
  const lengthFor = (capacity: Capacity): number =>
    Math.max(CAPACITY_UNIT_S, capacity.requestsPerS * (maxRatePct / 100) * durationS);

  const recorded = loadTrace(path);
  if (recorded) {
    const capacity = capacityOf(recorded);
    if (recorded.span >= lengthFor(capacity)) return { trace: recorded, capacity, path };
  }
  const draw = (untilAt: number): Trace => ({
    version: 1,
    workload,
    seed,
    model: BENCH_MODEL,
    params: spec.params,
    span: untilAt,
    ...spec.generate(createRng(seed).fork(workload), BENCH_MODEL, untilAt),
  });
  let trace = draw(CAPACITY_UNIT_S);
  const length = lengthFor(capacityOf(trace));
  if (length > CAPACITY_UNIT_S) trace = draw(length);
  saveTrace(path, trace);
  return { trace, capacity: capacityOf(trace), path };
}
