import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';
import { chatBody, closedLoop, timedCall } from './load';
import { interleaved, perTarget, type PerTarget } from './interleave';
import { cpuSnapshot } from './proc-stats';
import { SHORT_TOKENS } from './phase-latency';
import { MODEL } from './targets';

/**
 * Requests per second with `concurrency` short non-streaming calls in flight, in `slices`
 * interleaved slices per target, and the CPU time each process spent meanwhile (from /proc),
 * so CPU per request is (CPU during the target's slices) / (its requests).
 */
export const PROCESSES = ['gateway', 'worker', 'sim', 'proxy', 'redis', 'client'] as const;
export type ProcessId = (typeof PROCESSES)[number];

export interface ThroughputResult {
  requests: number;
  failed: number;
  seconds: number;
  rps: number;
  /** CPU ms per successful request, by process, during this target's slices. */
  cpuMsPerRequest: Record<ProcessId, number>;
}

export async function runThroughput(
  pools: PerTarget<Pool>,
  pids: Record<ProcessId, number | undefined>,
  opts: { concurrency: number; durationS: number; slices: number },
): Promise<PerTarget<ThroughputResult>> {
  const body = chatBody(MODEL, SHORT_TOKENS, false);
  const acc = perTarget(() => ({
    ok: 0,
    failed: 0,
    ms: 0,
    cpu: Object.fromEntries(PROCESSES.map((p) => [p, 0])) as Record<ProcessId, number>,
  }));
  const sliceMs = (opts.durationS * 1000) / opts.slices;
  await interleaved(opts.slices, async (t) => {
    const before = cpuSnapshot(pids);
    const t0 = performance.now();
    const results = await closedLoop(opts.concurrency, { deadline: t0 + sliceMs }, () =>
      timedCall(pools[t], body),
    );
    const elapsed = performance.now() - t0;
    const after = cpuSnapshot(pids);
    const a = acc[t];
    a.ms += elapsed;
    for (const ms of results) {
      if (Number.isFinite(ms)) a.ok++;
      else a.failed++;
    }
    for (const p of PROCESSES) a.cpu[p] += after[p] - before[p];
  });
  return perTarget((t) => {
    const a = acc[t];
    return {
      requests: a.ok,
      failed: a.failed,
      seconds: a.ms / 1000,
      rps: a.ok / (a.ms / 1000),
      cpuMsPerRequest: Object.fromEntries(
        PROCESSES.map((p) => [p, a.ok ? a.cpu[p] / a.ok : NaN]),
      ) as Record<ProcessId, number>,
    };
  });
}
