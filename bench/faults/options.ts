import { Command, InvalidArgumentError } from 'commander';

/** What one invocation runs; `--quick` only shortens the load and the per-scenario numbers. */
export interface FaultOptions {
  quick: boolean;
  /** Scenario names to run, in table order; empty = all. */
  scenarios: string[];
  /** Concurrent streams of the steady load. */
  concurrency: number;
  /** ms of steady load before the fault. */
  warmMs: number;
  /** ms of steady load in all (a scenario whose fault lasts longer extends it). */
  loadMs: number;
  /** ms of load that follow the end of the fault at least. */
  recoverMs: number;
  /** A request not ended this long after it started is aborted and counted hung. */
  deadlineMs: number;
  /** Where docs/reliability.md-style output goes (default docs/reliability.md). */
  doc?: string;
  /** A sentence placed under the report's title (e.g. what the run is a baseline of). */
  note?: string;
}

const FULL = { concurrency: 12, warmMs: 3000, loadMs: 20_000, recoverMs: 5000 };
const QUICK = { concurrency: 8, warmMs: 3000, loadMs: 10_000, recoverMs: 4000 };

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function parseOptions(argv: readonly string[], known: readonly string[]): FaultOptions {
  const cmd = new Command('faults')
    .description(
      'Fault suite: a steady streaming load on a three-node simulated fleet, one fault at a time; ' +
        'every request checked against its fault-free answer.',
    )
    .option(
      '--quick',
      `shorter load per scenario (${QUICK.loadMs / 1000} s, ${QUICK.concurrency} streams)`,
    )
    .option(
      '--scenario <name>',
      `run only this scenario (repeatable, or comma-separated): ${known.join(', ')}`,
      (value: string, prev: string[] = []) => [...prev, ...value.split(',').map((s) => s.trim())],
    )
    .option(
      '--concurrency <n>',
      `concurrent streams of the steady load (default ${FULL.concurrency})`,
      positive,
    )
    .option(
      '--load <s>',
      `seconds of steady load per scenario (default ${FULL.loadMs / 1000})`,
      positive,
    )
    .option(
      '--deadline <s>',
      'seconds after which a request still open counts as hung (default 60)',
      positive,
    )
    .option(
      '--doc <file>',
      'where the Markdown report goes (default docs/reliability.md when every scenario runs, else bench/results/faults-<date>.md)',
    )
    .option('--note <text>', 'a sentence under the report’s title')
    .allowExcessArguments(false);
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    quick?: boolean;
    scenario?: string[];
    concurrency?: number;
    load?: number;
    deadline?: number;
    doc?: string;
    note?: string;
  }>();
  const unknown = (o.scenario ?? []).filter((s) => !known.includes(s));
  if (unknown.length > 0) {
    cmd.error(`unknown scenario ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  const base = o.quick ? QUICK : FULL;
  return {
    quick: o.quick ?? false,
    scenarios: o.scenario ?? [],
    concurrency: Math.round(o.concurrency ?? base.concurrency),
    warmMs: base.warmMs,
    loadMs: o.load ? o.load * 1000 : base.loadMs,
    recoverMs: base.recoverMs,
    deadlineMs: (o.deadline ?? 60) * 1000,
    doc: o.doc,
    note: o.note,
  };
}
