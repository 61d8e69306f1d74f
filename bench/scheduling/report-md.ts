import type { Capacity } from './capacity';
import type { CheckLine } from './checks';
import { type BenchNode } from './fleet-spec';
import { fixed, millis, percent, seconds, table } from './format';
import type { MachineFacts } from './machine';
import { SLO } from './slo';
import type { CellSummary } from './stats';
import { WORKLOADS } from './workloads';
import type { WorkloadId } from './trace';

/** Everything a report shows; the JSON holds the same plus every request. */
export interface Report {
  title: string;
  command: string;
  startedAt: string;
  durationS: number;
  machine: MachineFacts;
  placementOption: boolean;
  fleet: readonly BenchNode[];
  workloads: { id: WorkloadId; capacity: Capacity; trace: string; requests: number }[];
  settings: { durationS: number; drainS: number; reps: number; seed: number; rates: number[] };
  cells: CellSummary[];
  checks: CheckLine[];
}

export function placementWarning(report: Pick<Report, 'placementOption'>): string | undefined {
  return report.placementOption
    ? undefined
    : '**Warning: this gateway has no `--placement` option, so every "policy" below ran the same, ' +
        'current placement (only `SWITCHYARD_PLACEMENT` was set, and nothing reads it). The ' +
        'columns compare a placement with itself: they show the noise of the measurement, ' +
        'not a difference between policies.**';
}

export function renderMarkdown(r: Report): string {
  const out: string[] = [`# ${r.title}`, ''];
  const warning = placementWarning(r);
  if (warning) out.push(warning, '');
  out.push(
    `- Command: \`${r.command}\``,
    `- Started ${r.startedAt}, took ${Math.round(r.durationS)} s`,
    `- Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}, ${r.machine.os}; load average ${r.machine.loadBefore} before, ${r.machine.loadAfter} after`,
    `- Each run: ${r.settings.durationS} s of arrivals, up to ${r.settings.drainS} s to drain; ${r.settings.reps} repetition(s); trace seed ${r.settings.seed}`,
    `- SLO for goodput: TTFT ≤ ${SLO.ttftMs / 1000} s and mean inter-token gap ≤ ${SLO.meanItlMs} ms; requests that never got a first token count as ∞ in the percentiles`,
    '',
    '## Fleet',
    '',
    table(
      [
        'node',
        'engine',
        'slots',
        'decode ms',
        'batch slowdown',
        'prefill tok/s',
        'ctx',
        'KV tokens',
      ],
      r.fleet.map((n) => [
        n.name,
        n.engine,
        String(n.slots),
        String(n.decodeMs),
        String(n.batchSlowdown),
        String(n.prefillTps),
        String(n.ctxSize),
        String(n.kvCacheTokens),
      ]),
    ),
    '',
    '## Workloads and capacity',
    '',
    table(
      [
        'workload',
        'mean prompt tok',
        'mean prefill tok (ideal cache)',
        'mean decode steps',
        'capacity req/s',
        'requests at each rate',
      ],
      r.workloads.map((w) => [
        w.id,
        fixed(w.capacity.meanPromptTokens, 0),
        fixed(w.capacity.meanPrefillTokens, 0),
        fixed(w.capacity.meanDecodeSteps, 1),
        fixed(w.capacity.requestsPerS, 2),
        r.settings.rates
          .map((rate) => {
            const sent = r.cells.find((c) => c.workload === w.id && c.ratePct === rate)?.sent;
            return `${rate}%: ${sent ?? '–'}`;
          })
          .join(', '),
      ]),
    ),
    '',
  );
  for (const w of r.workloads) out.push(...workloadSection(r, w.id));
  const lag = Math.max(...r.cells.map((c) => c.sendLagMsP99));
  const mismatches = r.cells.reduce((n, c) => n + c.contentMismatches, 0);
  out.push(
    '## Sanity',
    '',
    `- The client sent requests on time: the worst run's p99 lateness against the trace was ${millis(lag)} ms.`,
    `- ${mismatches === 0 ? 'Every' : `All but ${mismatches}`} successful answer had exactly the text the trace predicts (the sims are deterministic, so this checks the relay end to end).`,
    ...roundRobinLine(r),
    '',
  );
  out.push('## Checks (issue 5, at the rate closest to 80 % of capacity)', '');
  out.push('```', ...r.checks.map((c) => `${c.verdict}  ${c.text}`), '```', '');
  return out.join('\n');
}

function workloadSection(r: Report, id: WorkloadId): string[] {
  const cells = r.cells.filter((c) => c.workload === id);
  const rows = cells.map((c) => [
    `${c.ratePct}% (${fixed(c.ratePerS, 1)}/s)`,
    c.policy,
    String(c.sent),
    seconds(c.ttftMs.p50),
    seconds(c.ttftMs.p90),
    seconds(c.ttftMs.p99),
    seconds(c.e2eMs.p50),
    seconds(c.e2eMs.p99),
    millis(c.meanItlMsP50),
    millis(c.queueMsP90),
    fixed(c.outputTokensPerS, 0),
    percent(c.goodput, 1),
    percent(c.prefixHitRate, 1),
    errorText(c),
  ]);
  const nodeNames = r.fleet.map((n) => n.name);
  const placement = cells.map((c) => [
    `${c.ratePct}%`,
    c.policy,
    ...nodeNames.map((name) => {
      const n = c.nodes.find((x) => x.name === name);
      return n
        ? `${percent(n.requestShare)} / ${percent(n.busyShare)} / ${percent(n.slotUtilisation)}`
        : '–';
    }),
  ]);
  return [
    `## ${WORKLOADS[id].title} (\`${id}\`)`,
    '',
    WORKLOADS[id].description + '.',
    '',
    table(
      [
        'rate',
        'policy',
        'sent',
        'TTFT p50 s',
        'TTFT p90 s',
        'TTFT p99 s',
        'E2E p50 s',
        'E2E p99 s',
        'ITL p50 ms',
        'queue p90 ms',
        'out tok/s',
        'goodput',
        'prefix hit',
        'errors',
      ],
      rows,
    ),
    '',
    "Per node: share of the requests placed on it / share of the fleet's busy slot-time / its mean slot utilisation:",
    '',
    table(['rate', 'policy', ...nodeNames], placement),
    '',
  ];
}

/** Round-robin must spread requests evenly; if it does not, the placement was not honoured. */
function roundRobinLine(r: Report): string[] {
  const shares = r.cells
    .filter((c) => c.policy === 'round-robin')
    .flatMap((c) => c.nodes.map((n) => n.requestShare));
  if (shares.length === 0) return [];
  return [
    `- Round-robin placed ${percent(Math.min(...shares))}–${percent(Math.max(...shares))} of a run's requests on each node (an even split is ${percent(1 / r.fleet.length)}; requests aborted before they started name no node and are left out; far from even, the gateway did not run round-robin).`,
  ];
}

function errorText(c: CellSummary): string {
  const parts = Object.entries(c.errors).map(([kind, n]) => `${n} ${kind}`);
  if (c.unsent) parts.push(`${c.unsent} unsent`);
  if (c.contentMismatches) parts.push(`${c.contentMismatches} wrong text`);
  return parts.length ? parts.join(', ') : '0';
}
