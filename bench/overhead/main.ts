import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO } from '../../test/e2e/support/processes';
import { log, runBenchmark, type BenchProcess } from '../bench-process';
import { prettyMarkdown, stamp } from '../scheduling/format';
import { loadAverage, machineFacts } from '../scheduling/machine';
import { evaluateChecks } from './checks';
import { perTarget } from './interleave';
import { pool } from './load';
import { parseOptions, type OverheadOptions } from './options';
import { runLatency, warmUp, type LatencyPlan } from './phase-latency';
import { runRedis } from './phase-redis';
import { runStreams, type StreamsResult } from './phase-streams';
import { runThroughput } from './phase-throughput';
import { renderMarkdown } from './report-md';
import type { OverheadReport } from './results';
import { startBench } from './targets';

/**
 * `npm run bench:overhead`: what Switchyard adds on top of an engine, beside a bare proxy in
 * the same run — start everything, warm up, run the phases (targets interleaved), write the
 * Markdown report, print the checks, stop everything.
 */
const CONCURRENCY = 64;

function latencyPlan(opts: OverheadOptions): LatencyPlan {
  const q = opts.quick;
  return {
    rounds: opts.rounds,
    plain: [
      { concurrency: 1, perRound: q ? 30 : 60 },
      { concurrency: 16, perRound: q ? 160 : 480 },
    ],
    ttft: [
      { concurrency: 1, perRound: q ? 30 : 60 },
      { concurrency: 50, perRound: q ? 100 : 300 },
      { concurrency: 200, perRound: q ? 400 : 800 },
    ],
    gapStreams: q ? 2 : 4,
  };
}

async function main(run: BenchProcess, opts: OverheadOptions): Promise<void> {
  const t0 = performance.now();
  const startedAt = new Date();
  const outDir = opts.outDir ?? join(REPO, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  const machine = machineFacts();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: REPO,
    encoding: 'utf8',
  }).trim();
  const command = `npm run bench:overhead${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  log(
    `${command}: commit ${commit}, ${machine.cpus} CPUs, Node ${machine.node}, load ${machine.loadBefore}`,
  );
  const phaseLoad: { phase: string; load: string }[] = [];
  const phase = (name: string): void => {
    const load = loadAverage();
    phaseLoad.push({ phase: name, load });
    log(`${name} (load ${load})…`);
  };

  phase('start Redis, engine, worker-agent, gateway, bare proxy');
  const bench = await startBench();
  run.teardown.add(() => bench.stop());
  const pools = perTarget((t) => pool(bench.urls[t], 256));
  run.teardown.add(() => Promise.all(Object.values(pools).map((p) => p.close())));

  phase('warm-up');
  await warmUp(pools, opts.quick ? 100 : 300);
  phase('latency, TTFT, inter-token gap');
  const latency = await runLatency(pools, latencyPlan(opts), log);
  if (run.stopping) return;
  phase(`requests/s at ${CONCURRENCY} concurrent`);
  const throughput = await runThroughput(
    pools,
    {
      gateway: bench.gateway.proc.pid,
      worker: bench.fast.worker.proc.pid,
      sim: bench.fast.sim.proc.pid,
      proxy: bench.proxy.pid,
      redis: bench.redisPid,
      client: process.pid,
    },
    { concurrency: CONCURRENCY, durationS: opts.durationS, slices: opts.quick ? 1 : 3 },
  );
  for (const [t, r] of Object.entries(throughput)) log(`  ${t}: ${r.rps.toFixed(0)} req/s`);
  if (run.stopping) return;
  phase('Redis commands per request');
  const redis = await runRedis(pools.switchyard, bench.redis.url, bench.prefix, {
    requests: opts.redisRequests,
    idleS: 3,
  });
  log(`  ${redis.perRequest.toFixed(1)} commands per request`);
  const streams: StreamsResult[] = [];
  const streamFailures: { streams: number; error: string }[] = [];
  for (const level of opts.streams) {
    if (run.stopping) return;
    phase(`${level} open streams`);
    try {
      streams.push(await runStreams(bench, level, opts.holdS, log));
    } catch (err) {
      // The report of everything measured so far still gets written; bigger levels are skipped.
      const error = err instanceof Error ? err.message : String(err);
      log(`  ${level} open streams failed: ${error}`);
      streamFailures.push({ streams: level, error: error.split('\n')[0]! });
      break;
    }
  }

  const report: OverheadReport = {
    title: `Overhead benchmark, ${startedAt.toISOString().slice(0, 16).replace('T', ' ')}${opts.quick ? ' (quick)' : ''}`,
    command,
    commit,
    startedAt: startedAt.toISOString(),
    durationS: (performance.now() - t0) / 1000,
    machine: { ...machine, loadAfter: loadAverage() },
    phaseLoad,
    settings: {
      rounds: opts.rounds,
      durationS: opts.durationS,
      holdS: opts.holdS,
      concurrency: CONCURRENCY,
    },
    latency,
    throughput,
    redis,
    streams,
    streamFailures,
  };
  const checks = evaluateChecks(report);
  const base = `overhead-${stamp(startedAt)}${opts.quick ? '-quick' : ''}`;
  const markdownPath = join(outDir, `${base}.md`);
  const markdown = await prettyMarkdown(renderMarkdown(report, checks), markdownPath);
  writeFileSync(markdownPath, markdown);
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify({ ...report, checks }) + '\n');
  process.stdout.write(`\n${markdown}\n`);
  for (const c of checks) log(`${c.verdict.padEnd(4)}  ${c.text}`);
  log(`wrote ${join(outDir, base)}.{md,json}`);
}

runBenchmark((run) => main(run, parseOptions(process.argv.slice(2))));
