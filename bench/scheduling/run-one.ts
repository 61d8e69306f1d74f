import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { waitFor } from '@switchyard/testing';
import type { BenchCluster } from './cluster';
import { replay } from './replay';
import type { PlannedRun } from './run-plan';
import {
  counterDelta,
  flushPrefixCaches,
  prefixCounters,
  sampleBusySlots,
  waitIdle,
} from './sim-probe';
import type { RunOutcome } from './stats';
import { conversationsWithin, type Trace } from './trace';

const BUSY_SAMPLE_MS = 250;
const IDLE_TIMEOUT_MS = 60_000;
const REGISTRY_TIMEOUT_MS = 10_000;

/**
 * One measured run: start from cold, idle sims (prefix caches flushed, nothing running),
 * replay the trace's window at the run's rate through the policy's gateway while sampling the
 * sims, then read what their prefix caches did.
 */
export async function runOne(
  cluster: BenchCluster,
  planned: PlannedRun,
  trace: Trace,
  ratePerS: number,
  opts: { durationS: number; drainS: number },
): Promise<RunOutcome> {
  const gatewayUrl = cluster.gateways[planned.policy];
  if (!gatewayUrl) throw new Error(`no gateway runs the ${planned.policy} placement`);
  const runId = randomBytes(4).toString('hex');
  const preparing = performance.now();
  await flushPrefixCaches(cluster.nodes, runId);
  if (!(await waitIdle(cluster.nodes, IDLE_TIMEOUT_MS))) {
    throw new Error('the sims are still busy a minute after the previous run');
  }
  const idleAt = Date.now();
  const registryIdle = await waitFor(() => cluster.registryIdleSince(idleAt), {
    timeoutMs: REGISTRY_TIMEOUT_MS,
    intervalMs: 100,
  }).then(
    () => true,
    () => false,
  );
  const prepareMs = performance.now() - preparing;

  const loadBefore = loadavg()[0]!;
  const before = await prefixCounters(cluster.nodes);
  const stopSampling = sampleBusySlots(cluster.nodes, BUSY_SAMPLE_MS);
  const result = await replay({
    labels: planned,
    runId,
    gatewayUrl,
    trace,
    conversations: conversationsWithin(trace, ratePerS, opts.durationS),
    ratePerS,
    durationS: opts.durationS,
    drainS: opts.drainS,
    nodeName: (id) => cluster.nodeName(id),
  });
  const busy = await stopSampling();
  await waitIdle(cluster.nodes, IDLE_TIMEOUT_MS);
  const after = await prefixCounters(cluster.nodes);

  return {
    ...result,
    ...planned,
    ratePerS,
    prepareMs,
    registryIdle,
    load: [loadBefore, loadavg()[0]!],
    prefix: Object.fromEntries(
      cluster.nodes.map((n) => [n.name, counterDelta(before[n.name]!, after[n.name]!)]),
    ),
    busy,
    slots: Object.fromEntries(cluster.nodes.map((n) => [n.name, n.slots])),
  };
}
