import { Command, InvalidArgumentError } from 'commander';
import { POLICIES, type Policy } from './cluster';
import { WORKLOAD_IDS, type WorkloadId } from './trace';

/** What one invocation runs; `--quick` only changes the defaults. */
export interface BenchOptions {
  quick: boolean;
  rates: number[];
  durationS: number;
  drainS: number;
  policies: Policy[];
  workloads: WorkloadId[];
  reps: number;
  seed: number;
  redisUrl?: string;
  outDir?: string;
  docs: boolean;
}

const FULL = { rates: [50, 80, 100], durationS: 10, drainS: 8 };
const QUICK = { rates: [80], durationS: 6, drainS: 8 };

function listOf<T extends string>(allowed: readonly T[]) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim());
    const bad = items.filter((s) => !(allowed as readonly string[]).includes(s));
    if (bad.length) {
      throw new InvalidArgumentError(`unknown ${bad.join(', ')} (one of ${allowed.join(', ')})`);
    }
    return items as T[];
  };
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function rates(value: string): number[] {
  return value.split(',').map((s) => positive(s.trim()));
}

export function parseOptions(argv: readonly string[]): BenchOptions {
  const cmd = new Command('bench:scheduling')
    .description(
      'Scheduling benchmark: replays one seeded trace at several shares of the fleet capacity against ' +
        'the gateway once per placement policy, and reports TTFT, goodput and prefix-cache hits.',
    )
    .option(
      '--quick',
      `smoke run: ${QUICK.rates.join(',')} % only, ${QUICK.durationS} s of arrivals per run (a few minutes)`,
    )
    .option('--rates <pcts>', `shares of capacity in % (default ${FULL.rates.join(',')})`, rates)
    .option('--duration <s>', `seconds of arrivals per run (default ${FULL.durationS})`, positive)
    .option(
      '--drain <s>',
      `seconds a run may go on after its arrivals end; what is still running then is aborted (default ${FULL.drainS}, quick ${QUICK.drainS})`,
      positive,
    )
    .option(
      '--policies <list>',
      `placement policies (default ${POLICIES.join(',')})`,
      listOf(POLICIES),
    )
    .option(
      '--workloads <list>',
      `workloads (default ${WORKLOAD_IDS.join(',')})`,
      listOf(WORKLOAD_IDS),
    )
    .option('--reps <n>', 'repetitions of every run (policies interleaved)', positive, 1)
    .option('--seed <n>', 'trace seed', positive, 1)
    .option(
      '--redis <url>',
      'use this Redis (under a random prefix) instead of a private redis-server',
    )
    .option('--out <dir>', 'where results go (default bench/results)')
    .option('--docs', 'update docs/benchmarks.md (default for full runs, not for --quick)')
    .option('--no-docs', 'leave docs/benchmarks.md alone')
    .allowExcessArguments(false);
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    quick?: boolean;
    rates?: number[];
    duration?: number;
    drain?: number;
    policies?: Policy[];
    workloads?: WorkloadId[];
    reps: number;
    seed: number;
    redis?: string;
    out?: string;
    docs?: boolean;
  }>();
  const base = o.quick ? QUICK : FULL;
  return {
    quick: o.quick ?? false,
    rates: o.rates ?? base.rates,
    durationS: o.duration ?? base.durationS,
    drainS: o.drain ?? base.drainS,
    policies: o.policies ?? [...POLICIES],
    workloads: o.workloads ?? [...WORKLOAD_IDS],
    reps: Math.round(o.reps),
    seed: Math.round(o.seed),
    redisUrl: o.redis,
    outDir: o.out,
    docs: o.docs ?? !o.quick,
  };
}
