import { GAUGE_COUNTERS, type EngineCounters } from '@switchyard/engines';

/** Rates over the recent window, from successive readings of cumulative counters. */
export interface WindowRates {
  promptTokensPerSecond: number | null;
  /**
   * Whether the generation rate includes requests still running; without, it moves only as
   * requests finish (reads 0 under load, then spikes).
   */
  generationCountsInFlight: boolean;
  generationTokensPerSecond: number | null;
  prefixCacheHitRate: number | null;
  ttftMs: number | null;
  /** Per-sequence speeds (see NodeLoad): tokens over the seconds spent on them. */
  decodeTokensPerSecond: number | null;
  prefillTokensPerSecond: number | null;
  /** Output tokens per completed request. */
  meanOutputTokens: number | null;
}

interface Reading {
  at: number;
  counters: Partial<EngineCounters>;
}

/**
 * Keeps readings of cumulative counters for `windowMs` and turns the oldest and newest into
 * rates. A counter that went down means the engine restarted: the window starts over. A
 * counter absent from either end gives null, never a guess.
 */
export class LoadWindow {
  private readings: Reading[] = [];

  constructor(private readonly windowMs: number) {}

  add(at: number, counters: Partial<EngineCounters>): void {
    const last = this.readings.at(-1);
    if (last && restarted(last.counters, counters)) this.readings = [];
    this.readings.push({ at, counters });
    while (this.readings.length > 2 && this.readings[1]!.at <= at - this.windowMs)
      this.readings.shift();
  }

  rates(): WindowRates {
    const first = this.readings[0];
    const last = this.readings.at(-1);
    if (!first || !last || last.at <= first.at) return NO_RATES;
    const seconds = (last.at - first.at) / 1000;
    const delta = (key: keyof EngineCounters): number | null => {
      const a = first.counters[key];
      const b = last.counters[key];
      return a === undefined || b === undefined ? null : b - a;
    };
    const perSecond = (key: keyof EngineCounters) => {
      const d = delta(key);
      return d === null ? null : d / seconds;
    };
    const ratio = (tokens: keyof EngineCounters, spent: keyof EngineCounters) => {
      const n = delta(tokens);
      const s = delta(spent);
      return n !== null && s ? n / s : null;
    };
    const queries = delta('prefixCacheQueriesTotal');
    const hits = delta('prefixCacheHitsTotal');
    const ttftSum = delta('ttftSecondsSum');
    const ttftCount = delta('ttftCount');
    // Finished plus in flight: a figure that moves while requests run (see EngineCounters).
    const finished = delta('generationTokensTotal');
    const inFlight = delta('generationTokensInFlight');
    const generated = finished === null ? null : finished + (inFlight ?? 0);
    return {
      generationCountsInFlight: inFlight !== null,
      promptTokensPerSecond: perSecond('promptTokensTotal'),
      generationTokensPerSecond: generated === null ? null : Math.max(0, generated) / seconds,
      prefixCacheHitRate: queries && hits !== null ? Math.min(1, hits / queries) : null,
      ttftMs: ttftCount && ttftSum !== null ? (ttftSum / ttftCount) * 1000 : null,
      decodeTokensPerSecond: ratio('decodeTokensTotal', 'decodeSecondsSum'),
      meanOutputTokens: ratio('generationTokensTotal', 'completedRequestsTotal'),
      prefillTokensPerSecond: prefillSpeed({
        n: delta('prefillCount'),
        x: delta('prefillTokensTotal'),
        y: delta('prefillSecondsSum'),
        xx: delta('prefillTokensSquaredSum'),
        xy: delta('prefillTokenSecondsSum'),
      }),
    };
  }
}

const NO_RATES: WindowRates = {
  promptTokensPerSecond: null,
  generationCountsInFlight: false,
  generationTokensPerSecond: null,
  prefixCacheHitRate: null,
  ttftMs: null,
  decodeTokensPerSecond: null,
  prefillTokensPerSecond: null,
  meanOutputTokens: null,
};

/** A spread of prompt sizes (standard deviation, tokens) that makes a fitted slope trustworthy. */
const MIN_PROMPT_SPREAD = 64;
/** Below this mean prompt size a plain ratio is mostly fixed overhead, not prefill. */
const MIN_MEAN_PROMPT_FOR_RATIO = 512;

/**
 * Prompt tokens per second from the window's requests: the slope of the least-squares line
 * TTFT = overhead + tokens / speed when their prompt sizes vary enough, so the fixed cost of
 * every request (connection, scheduling, the first decode step) is not read as slow prefill
 * — a node that served only short prompts would otherwise look hundreds of times slower than
 * it is. Without spread, the plain ratio when prompts are long enough to dominate; else null.
 */
export function prefillSpeed(s: {
  n: number | null;
  x: number | null;
  y: number | null;
  xx: number | null;
  xy: number | null;
}): number | null {
  const { n, x, y, xx, xy } = s;
  if (!n || x === null || y === null || xx === null || xy === null || !(y > 0)) return null;
  const variance = xx / n - (x / n) ** 2;
  if (n >= 3 && variance >= MIN_PROMPT_SPREAD ** 2) {
    const slope = (xy / n - (x / n) * (y / n)) / variance;
    if (slope > 0) return 1 / slope;
  }
  return x / n >= MIN_MEAN_PROMPT_FOR_RATIO ? x / y : null;
}

function restarted(before: Partial<EngineCounters>, after: Partial<EngineCounters>): boolean {
  return (Object.keys(after) as (keyof EngineCounters)[]).some((k) => {
    if (GAUGE_COUNTERS.has(k)) return false;
    const b = before[k];
    const a = after[k];
    return b !== undefined && a !== undefined && a < b;
  });
}
