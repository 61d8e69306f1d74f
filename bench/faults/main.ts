import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { freePort, waitFor } from '@switchyard/testing';
import { REPO, launch } from '../../test/e2e/support/processes';
import { log, runBenchmark, type BenchProcess } from '../bench-process';
import { prettyMarkdown, stamp } from '../scheduling/format';
import { loadAverage, machineFacts } from '../scheduling/machine';
import { streamChat } from './client';
import { parseOptions, type FaultOptions } from './options';
import { chatCase, MODEL, type ChatCase } from './reference';
import { BAD, count, renderMarkdown } from './report';
import { runScenario, type ScenarioResult } from './run';
import { SCENARIOS } from './scenarios';

/**
 * `npm run faults`: the fault suite. Checks the reference against a real simulated engine,
 * runs each scenario on a fresh fleet, prints and writes the report (docs/reliability.md when
 * every scenario ran), and exits 1 when any request was lost, hung, corrupt or leaked.
 */
async function main(run: BenchProcess, opts: FaultOptions): Promise<void> {
  const startedAt = new Date();
  const machine = machineFacts();
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
    cwd: REPO,
    encoding: 'utf8',
  }).trim();
  const args = process.argv.slice(2);
  const quoted = args.map((a) => (/^[\w.,=/-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  const command = `npm run faults${args.length > 0 ? ` -- ${quoted.join(' ')}` : ''}`;
  const chosen = SCENARIOS.filter(
    (s) => opts.scenarios.length === 0 || opts.scenarios.includes(s.name),
  );
  log(`${command}: commit ${commit}, load ${machine.loadBefore}, ${chosen.length} scenario(s)`);

  await checkReference();
  const results: ScenarioResult[] = [];
  for (const [i, scenario] of chosen.entries()) {
    if (run.stopping) return;
    log(`${scenario.name} (load ${loadAverage()}): ${scenario.fault}`);
    let result: ScenarioResult;
    try {
      result = await runScenario(scenario, opts, (i + 1) * 100_000, log);
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      log(`  failed: ${error}`);
      result = {
        name: scenario.name,
        fault: scenario.fault,
        records: [],
        notes: [],
        durationS: 0,
        error: error.split('\n')[0]!,
      };
    }
    results.push(result);
    const c = count(result.records);
    log(
      `  ${Object.entries(c)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  }
  if (run.stopping) return;

  const all = chosen.length === SCENARIOS.length;
  const base = `faults-${stamp(startedAt)}${opts.quick ? '-quick' : ''}`;
  const resultsDir = join(REPO, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const docPath =
    opts.doc ?? (all ? join(REPO, 'docs', 'reliability.md') : join(resultsDir, `${base}.md`));
  const markdown = await prettyMarkdown(
    renderMarkdown(
      {
        title: `Reliability: the fault suite${opts.quick ? ' (quick)' : ''}`,
        note: opts.note,
        command,
        date: `${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`,
        commit,
        machine: `${machine.cpus} CPUs (${machine.cpuModel}), Node ${machine.node}`,
        loadBefore: machine.loadBefore,
        loadAfter: loadAverage(),
        settings: `Steady load: ${opts.concurrency} concurrent streams of 40–119 tokens, ${opts.loadMs / 1000} s per scenario (longer when the fault lasts longer), fault after ${opts.warmMs / 1000} s; a request open ${opts.deadlineMs / 1000} s counts as hung.`,
      },
      results,
    ),
    docPath,
  );
  writeFileSync(docPath, markdown);
  writeFileSync(
    join(resultsDir, `${base}.json`),
    JSON.stringify({ command, commit, startedAt: startedAt.toISOString(), opts, results }) + '\n',
  );
  process.stdout.write(`\n${markdown}\n`);
  log(`wrote ${relative(REPO, docPath)} and bench/results/${base}.json`);
  const bad = results.filter((r) => r.error || BAD.some((o) => count(r.records)[o] > 0));
  if (bad.length > 0) {
    log(`FAIL: ${bad.map((r) => r.name).join(', ')}`);
    process.exitCode = 1;
  }
}

/**
 * The references are computed, not recorded: check a few against a real simulated engine
 * first, and check that the judge calls a wrong answer corrupt.
 */
async function checkReference(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--engine', 'llamacpp', '--port', String(port), '--model', MODEL];
  const sim = launch('reference-sim', ['sim', ...args, '--decode-ms', '1']);
  const judge = (c: ChatCase) => streamChat(url, c, { deadlineMs: 20_000, t0: 0, kind: 'ref' });
  try {
    const healthy = async () => (await fetch(`${url}/health`).catch(() => undefined))?.ok === true;
    await waitFor(healthy, { timeoutMs: 30_000, what: 'the reference sim to start' });
    for (const id of [1, 2, 3]) {
      const r = await judge(chatCase(id, 40 + id * 30));
      if (r.outcome !== 'ok') {
        throw new Error(
          `the computed reference does not match the engine (request ${id}: ${r.outcome} ${r.detail ?? ''})`,
        );
      }
    }
    const wrong = chatCase(4, 60);
    wrong.expected.text = wrong.expected.text.replace(/ \S+/, ''); // one piece missing
    const r = await judge(wrong);
    if (r.outcome !== 'corrupt') throw new Error(`the judge took a wrong answer for ${r.outcome}`);
  } finally {
    await sim.stop();
  }
}

runBenchmark((run) =>
  main(
    run,
    parseOptions(
      process.argv.slice(2),
      SCENARIOS.map((s) => s.name),
    ),
  ),
);
