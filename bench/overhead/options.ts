import { Command, InvalidArgumentError } from 'commander';

/** What one invocation runs; `--quick` only changes the defaults. */
export interface OverheadOptions {
  quick: boolean;
  /** Seconds of the requests/s phase per target. */
  durationS: number;
  /** Open-stream levels; empty skips the phase. */
  streams: number[];
  /** Seconds the open streams are held. */
  holdS: number;
  rounds: number;
  redisRequests: number;
  outDir?: string;
}

const FULL = {
  durationS: 15,
  streams: [1000, 5000, 10000],
  holdS: 20,
  rounds: 8,
  redisRequests: 200,
};
const QUICK = { durationS: 3, streams: [1000], holdS: 8, rounds: 2, redisRequests: 50 };

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

function levels(value: string): number[] {
  if (value === 'none' || value === '0') return [];
  return value.split(',').map((s) => Math.round(positive(s.trim())));
}

export function parseOptions(argv: readonly string[]): OverheadOptions {
  const cmd = new Command('bench:overhead')
    .description(
      'Overhead benchmark: one fast simulated engine reached directly, through a bare Node proxy and ' +
        'through Switchyard (gateway + worker-agent + Redis), measured side by side in one run.',
    )
    .option(
      '--quick',
      `smoke run (under 2 minutes): ${QUICK.durationS} s of requests/s per target, streams ${QUICK.streams.join(',')}`,
    )
    .option(
      '--duration <s>',
      `seconds of the requests/s phase per target (default ${FULL.durationS})`,
      positive,
    )
    .option(
      '--streams <levels>',
      `open-stream levels through the gateway, or none (default ${FULL.streams.join(',')}, quick ${QUICK.streams.join(',')})`,
      levels,
    )
    .option(
      '--hold <s>',
      `seconds the open streams are held (default ${FULL.holdS}, quick ${QUICK.holdS})`,
      positive,
    )
    .option(
      '--rounds <n>',
      `interleaved rounds of the latency phases (default ${FULL.rounds}, quick ${QUICK.rounds})`,
      positive,
    )
    .option('--out <dir>', 'where results go (default bench/results)')
    .allowExcessArguments(false);
  cmd.parse(argv, { from: 'user' });
  const o = cmd.opts<{
    quick?: boolean;
    duration?: number;
    streams?: number[];
    hold?: number;
    rounds?: number;
    out?: string;
  }>();
  const base = o.quick ? QUICK : FULL;
  return {
    quick: o.quick ?? false,
    durationS: o.duration ?? base.durationS,
    streams: o.streams ?? base.streams,
    holdS: o.hold ?? base.holdS,
    rounds: Math.round(o.rounds ?? base.rounds),
    redisRequests: base.redisRequests,
    outDir: o.out,
  };
}
