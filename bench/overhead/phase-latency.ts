import type { Pool } from 'undici';
import { chatBody, closedLoop, timedCall, timedStream, type StreamResult } from './load';
import { interleaved, perTarget, type PerTarget } from './interleave';
import { summarise, type Summary } from './stats';
import { MODEL } from './targets';

/**
 * Latency phases, each interleaved over the three targets: non-streaming end-to-end latency,
 * time to first token of streams, and the mean gap between the chunks of a long answer.
 */
export interface LatencyPlan {
  rounds: number;
  /** Calls per target per round, by concurrency. */
  plain: { concurrency: number; perRound: number }[];
  ttft: { concurrency: number; perRound: number }[];
  /** 256-token streams per target per round, one at a time. */
  gapStreams: number;
}

export interface LevelResult {
  concurrency: number;
  summary: PerTarget<Summary>;
}

export interface GapResult {
  /** Mean gap between content chunks, one sample per stream. */
  gapMs: Summary;
  /** Content chunks per 256-token answer (fewer means tokens were batched into chunks). */
  chunks: number;
}

export interface LatencyResults {
  plain: LevelResult[];
  ttft: LevelResult[];
  gap: PerTarget<GapResult>;
  /** Streams that failed in the TTFT and gap phases, by target: "outcome detail" → count. */
  streamErrors: PerTarget<Record<string, number>>;
}

export const SHORT_TOKENS = 16;
export const GAP_TOKENS = 256;

export async function warmUp(pools: PerTarget<Pool>, calls: number): Promise<void> {
  const plain = chatBody(MODEL, SHORT_TOKENS, false);
  const stream = chatBody(MODEL, SHORT_TOKENS, true);
  await interleaved(1, async (t) => {
    await closedLoop(8, { count: calls }, () => timedCall(pools[t], plain));
    await closedLoop(8, { count: calls }, () => timedStream(pools[t], stream));
  });
}

export async function runLatency(
  pools: PerTarget<Pool>,
  plan: LatencyPlan,
  log: (line: string) => void,
): Promise<LatencyResults> {
  const plainBody = chatBody(MODEL, SHORT_TOKENS, false);
  const streamBody = chatBody(MODEL, SHORT_TOKENS, true);
  const gapBody = chatBody(MODEL, GAP_TOKENS, true);
  const streamErrors = perTarget((): Record<string, number> => ({}));
  const keepStream = (t: keyof typeof pools, r: StreamResult): void => {
    if (r.outcome === 'ok') return;
    const key = `${r.outcome} ${r.status ?? ''} ${r.detail ?? ''}`.trim().slice(0, 120);
    streamErrors[t][key] = (streamErrors[t][key] ?? 0) + 1;
  };

  const plain: LevelResult[] = [];
  for (const level of plan.plain) {
    const samples = perTarget((): number[] => []);
    await interleaved(plan.rounds, async (t) => {
      const ms = await closedLoop(level.concurrency, { count: level.perRound }, () =>
        timedCall(pools[t], plainBody),
      );
      samples[t].push(...ms);
    });
    plain.push({
      concurrency: level.concurrency,
      summary: perTarget((t) => summarise(samples[t])),
    });
    log(`  non-streaming latency at ${level.concurrency} concurrent: done`);
  }

  const ttft: LevelResult[] = [];
  for (const level of plan.ttft) {
    const samples = perTarget((): number[] => []);
    await interleaved(plan.rounds, async (t) => {
      const results = await closedLoop(level.concurrency, { count: level.perRound }, () =>
        timedStream(pools[t], streamBody),
      );
      for (const r of results) {
        keepStream(t, r);
        samples[t].push(r.outcome === 'ok' && r.ttftMs !== undefined ? r.ttftMs : NaN);
      }
    });
    ttft.push({ concurrency: level.concurrency, summary: perTarget((t) => summarise(samples[t])) });
    log(`  TTFT at ${level.concurrency} concurrent streams: done`);
  }

  const gaps = perTarget((): number[] => []);
  const chunks = perTarget((): number[] => []);
  await interleaved(plan.rounds, async (t) => {
    for (let i = 0; i < plan.gapStreams; i++) {
      const r = await timedStream(pools[t], gapBody);
      keepStream(t, r);
      gaps[t].push(r.outcome === 'ok' && r.meanGapMs !== undefined ? r.meanGapMs : NaN);
      chunks[t].push(r.chunks);
    }
  });
  log(`  inter-token gap of ${GAP_TOKENS}-token answers: done`);
  const gap = perTarget((t): GapResult => ({
    gapMs: summarise(gaps[t]),
    chunks: chunks[t].reduce((a, b) => a + b, 0) / Math.max(1, chunks[t].length),
  }));
  return { plain, ttft, gap, streamErrors };
}
