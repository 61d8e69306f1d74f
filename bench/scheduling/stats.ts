import type { Policy } from './cluster';
import type { RequestRecord, RunResult } from './replay';
import type { BusySamples, PrefixCounters } from './sim-probe';
import type { WorkloadId } from './trace';

/** Everything one run of one policy at one rate on one workload produced. */
export interface RunOutcome extends RunResult {
  policy: Policy;
  workload: WorkloadId;
  ratePct: number;
  ratePerS: number;
  rep: number;
  /** Time spent before the run making the fleet cold and idle. */
  prepareMs: number;
  /** One-minute load average of the machine when the run started and when it ended. */
  load: [number, number];
  /** Every node's heartbeat showed it idle before the run (else the run started on old load). */
  registryIdle: boolean;
  /** Prefix-cache counters each node moved during the run. */
  prefix: Record<string, PrefixCounters>;
  busy: BusySamples;
  slots: Record<string, number>;
}

export interface NodeUse {
  name: string;
  requests: number;
  /** Share of the requests placed on this node. */
  requestShare: number;
  /** Mean busy slots over the run, as a share of the node's slots. */
  slotUtilisation: number;
  /** Share of the fleet's busy slot-time spent on this node. */
  busyShare: number;
}

export interface CellSummary {
  policy: Policy;
  workload: WorkloadId;
  ratePct: number;
  ratePerS: number;
  runs: number;
  sent: number;
  unsent: number;
  ok: number;
  /** Failures by kind: HTTP status, in-band error code, network, aborted at the deadline. */
  errors: Record<string, number>;
  /** Requests without a first token count as Infinity. */
  ttftMs: { p50: number; p90: number; p99: number };
  e2eMs: { p50: number; p99: number };
  meanItlMsP50: number;
  queueMsP90: number;
  outputTokensPerS: number;
  /**
   * Share of the window's requests that succeeded within both SLOs; turns a session never got
   * to send before the deadline count as missed.
   */
  goodput: number;
  /** Prompt tokens found in prefix caches over prompt tokens looked up, fleet-wide. */
  prefixHitRate: number;
  contentMismatches: number;
  /** 99th percentile of how late the client sent requests (a check on the client itself). */
  sendLagMsP99: number;
  nodes: NodeUse[];
}

function goodput(records: readonly RequestRecord[], runs: readonly RunOutcome[]): number {
  const planned = records.length + runs.reduce((sum, r) => sum + r.unsent, 0);
  return planned ? records.filter((r) => r.good).length / planned : 0;
}

/** Nearest-rank percentile; NaN for no values. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

function errorKind(r: RequestRecord): string | undefined {
  switch (r.outcome) {
    case 'ok':
      return undefined;
    case 'http':
      return `HTTP ${r.status}${r.errorCode ? ` ${r.errorCode}` : ''}`;
    case 'stream-error':
      return `in-band ${r.errorCode ?? 'error'}`;
    case 'network':
      return 'network';
    case 'aborted':
      return 'aborted at deadline';
  }
}

export function summarise(runs: readonly RunOutcome[]): CellSummary {
  const first = runs[0];
  if (!first) throw new Error('summary of no runs');
  const records = runs.flatMap((r) => r.records);
  const ok = records.filter((r) => r.outcome === 'ok');
  const errors: Record<string, number> = {};
  for (const r of records) {
    const kind = errorKind(r);
    if (kind) errors[kind] = (errors[kind] ?? 0) + 1;
  }
  const ttfts = records.map((r) => r.ttftMs ?? Infinity);
  const e2es = records.map((r) => (r.outcome === 'ok' ? r.e2eMs : Infinity));
  const seconds = runs.reduce((sum, r) => sum + (r.endedAt - r.startedAt) / 1000, 0);
  const outputTokens = ok.reduce((sum, r) => sum + r.outputTokens, 0);

  const prefix = { query: 0, hit: 0 };
  for (const run of runs) {
    for (const c of Object.values(run.prefix)) {
      prefix.query += c.queryTokens;
      prefix.hit += c.hitTokens;
    }
  }

  const names = Object.keys(first.slots);
  const busySlotSeconds = Object.fromEntries(names.map((n) => [n, 0]));
  const utilisation = Object.fromEntries(names.map((n) => [n, 0]));
  for (const run of runs) {
    const within = run.busy.at
      .map((t, i) => [t, i] as const)
      .filter(([t]) => t >= run.startedAt && t <= run.endedAt);
    const runS = (run.endedAt - run.startedAt) / 1000;
    for (const name of names) {
      const samples = within.map(([, i]) => run.busy.busy[name]![i]!);
      const meanBusy = samples.length ? samples.reduce((a, b) => a + b, 0) / samples.length : 0;
      busySlotSeconds[name]! += meanBusy * runS;
      utilisation[name]! += (meanBusy / run.slots[name]!) * (runS / seconds);
    }
  }
  const totalBusy = Object.values(busySlotSeconds).reduce((a, b) => a + b, 0);
  const placed = records.filter((r) => r.node !== undefined);
  const nodes = names.map((name) => {
    const requests = placed.filter((r) => r.node === name).length;
    return {
      name,
      requests,
      requestShare: placed.length ? requests / placed.length : 0,
      slotUtilisation: utilisation[name]!,
      busyShare: totalBusy ? busySlotSeconds[name]! / totalBusy : 0,
    };
  });

  return {
    policy: first.policy,
    workload: first.workload,
    ratePct: first.ratePct,
    ratePerS: first.ratePerS,
    runs: runs.length,
    sent: records.length,
    unsent: runs.reduce((sum, r) => sum + r.unsent, 0),
    ok: ok.length,
    errors,
    ttftMs: {
      p50: percentile(ttfts, 0.5),
      p90: percentile(ttfts, 0.9),
      p99: percentile(ttfts, 0.99),
    },
    e2eMs: { p50: percentile(e2es, 0.5), p99: percentile(e2es, 0.99) },
    meanItlMsP50: percentile(
      ok.flatMap((r) => (r.meanItlMs === undefined ? [] : [r.meanItlMs])),
      0.5,
    ),
    queueMsP90: percentile(
      records.flatMap((r) => (r.queueMs === undefined ? [] : [r.queueMs])),
      0.9,
    ),
    outputTokensPerS: seconds ? outputTokens / seconds : 0,
    goodput: goodput(records, runs),
    prefixHitRate: prefix.query ? prefix.hit / prefix.query : 0,
    contentMismatches: ok.filter((r) => !r.contentMatches).length,
    sendLagMsP99: percentile(
      records.map((r) => r.sentMs - r.dueMs),
      0.99,
    ),
    nodes,
  };
}
