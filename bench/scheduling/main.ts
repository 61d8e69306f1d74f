import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO } from '../../test/e2e/support/processes';
import { log, runBenchmark, type BenchProcess } from '../bench-process';
import { renderChart } from './chart-svg';
import { evaluateChecks } from './checks';
import { startBenchCluster, type BenchCluster } from './cluster';
import { updateDocsSummary } from './docs-summary';
import { BENCH_FLEET } from './fleet-spec';
import { fixed, percent, prettyMarkdown, seconds, stamp } from './format';
import { loadAverage, machineFacts } from './machine';
import { parseOptions, type BenchOptions } from './options';
import { renderMarkdown, placementWarning, type Report } from './report-md';
import { runOne } from './run-one';
import { runOrder } from './run-plan';
import { summarise, type RunOutcome } from './stats';
import { workloadTrace } from './trace-store';
import { warmUp } from './warm-up';

/**
 * `npm run bench:scheduling`: the scheduling benchmark of issue 5, top to bottom — draw the
 * traces, start the cluster, run every (workload, rate, policy) with policies interleaved,
 * summarise, write Markdown + JSON + SVG (and the docs summary), stop everything.
 */

async function main(run: BenchProcess, opts: BenchOptions): Promise<void> {
  const t0 = performance.now();
  const startedAt = new Date();
  const outDir = opts.outDir ?? join(REPO, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const machine = machineFacts();
  const command = `npm run bench:scheduling${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(`${command}: ${machine.cpus} CPUs, Node ${machine.node}, load ${machine.loadBefore}`);

  const maxRate = Math.max(...opts.rates);
  const workloads = opts.workloads.map((id) => {
    const { trace, capacity, path } = workloadTrace(id, opts.seed, maxRate, opts.durationS, outDir);
    log(
      `trace ${basename(path)}: capacity ${fixed(capacity.requestsPerS, 2)} req/s ` +
        `(mean prompt ${fixed(capacity.meanPromptTokens, 0)} tok, prefill ${fixed(capacity.meanPrefillTokens, 0)} tok, ` +
        `${fixed(capacity.meanDecodeSteps, 1)} decode steps)`,
    );
    return { id, trace, capacity, path };
  });

  log(
    `starting Redis, ${BENCH_FLEET.length} simulated nodes and ${opts.policies.length} gateways…`,
  );
  const cluster: BenchCluster = await startBenchCluster({
    redisUrl: opts.redisUrl,
    policies: opts.policies,
    onStop: (stop) => run.teardown.add(stop),
  });
  const warning = placementWarning(cluster);
  if (warning) log(warning.replace(/\*\*/g, ''));
  await warmUp(cluster, opts.policies);

  const plan = runOrder(opts);
  const outcomes: RunOutcome[] = [];
  for (const [i, planned] of plan.entries()) {
    if (run.stopping) return;
    const w = workloads.find((x) => x.id === planned.workload)!;
    const ratePerS = (w.capacity.requestsPerS * planned.ratePct) / 100;
    const outcome = await runOne(cluster, planned, w.trace, ratePerS, opts);
    outcomes.push(outcome);
    if (!outcome.registryIdle) {
      log('warning: some node still reported work in its heartbeat when this run started');
    }
    const s = summarise([outcome]);
    log(
      `[${i + 1}/${plan.length}] ${planned.workload} ${planned.ratePct}% (${fixed(ratePerS, 1)}/s) ${planned.policy}: ` +
        `${s.sent} sent, ${s.ok} ok, goodput ${percent(s.goodput, 1)}, TTFT p90 ${seconds(s.ttftMs.p90)} s, ` +
        `prefix hit ${percent(s.prefixHitRate, 1)}; ${fixed(outcome.prepareMs / 1000, 1)} s to prepare, ` +
        `${fixed((outcome.endedAt - outcome.startedAt) / 1000, 1)} s to run, load ${outcome.load.map((l) => fixed(l, 1)).join('→')}`,
    );
  }

  const cells = groupCells(outcomes, opts);
  const report: Report = {
    title: `Scheduling benchmark, ${startedAt.toISOString().slice(0, 16).replace('T', ' ')}${opts.quick ? ' (quick)' : ''}`,
    command,
    startedAt: startedAt.toISOString(),
    durationS: (performance.now() - t0) / 1000,
    machine: { ...machine, loadAfter: loadAverage() },
    placementOption: cluster.placementOption,
    fleet: BENCH_FLEET,
    workloads: workloads.map((w) => ({
      id: w.id,
      capacity: w.capacity,
      trace: basename(w.path),
      requests: w.trace.conversations.reduce((n, c) => n + c.turns.length, 0),
    })),
    settings: {
      durationS: opts.durationS,
      drainS: opts.drainS,
      reps: opts.reps,
      seed: opts.seed,
      rates: opts.rates,
    },
    cells,
    checks: evaluateChecks(cells),
  };
  const base = `scheduling-${stamp(startedAt)}${opts.quick ? '-quick' : ''}`;
  const markdownPath = join(outDir, `${base}.md`);
  const markdown = await prettyMarkdown(renderMarkdown(report), markdownPath);
  writeFileSync(markdownPath, markdown);
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify({ ...report, runs: outcomes }) + '\n');
  writeFileSync(join(outDir, `${base}.svg`), renderChart(cells, report.title));
  if (opts.docs) {
    await updateDocsSummary(join(REPO, 'docs', 'benchmarks.md'), report, `${base}.md`);
  }
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${join(outDir, base)}.{md,json,svg}${opts.docs ? ' and docs/benchmarks.md' : ''}`);
}

function groupCells(outcomes: readonly RunOutcome[], opts: BenchOptions) {
  const cells = [];
  for (const workload of opts.workloads) {
    for (const ratePct of opts.rates) {
      for (const policy of opts.policies) {
        const runs = outcomes.filter(
          (o) => o.workload === workload && o.ratePct === ratePct && o.policy === policy,
        );
        if (runs.length) cells.push(summarise(runs));
      }
    }
  }
  return cells;
}

runBenchmark((run) => main(run, parseOptions(process.argv.slice(2))));
