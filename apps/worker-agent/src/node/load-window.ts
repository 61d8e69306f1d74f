import type { EngineCounters } from '@switchyard/engines';

/** Rates over the recent window, from successive readings of cumulative counters. */
export interface WindowRates {
  promptTokensPerSecond: number | null;
  generationTokensPerSecond: number | null;
  prefixCacheHitRate: number | null;
  ttftMs: number | null;
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
    const queries = delta('prefixCacheQueriesTotal');
    const hits = delta('prefixCacheHitsTotal');
    const ttftSum = delta('ttftSecondsSum');
    const ttftCount = delta('ttftCount');
    return {
      promptTokensPerSecond: perSecond('promptTokensTotal'),
      generationTokensPerSecond: perSecond('generationTokensTotal'),
      prefixCacheHitRate: queries && hits !== null ? Math.min(1, hits / queries) : null,
      ttftMs: ttftCount && ttftSum !== null ? (ttftSum / ttftCount) * 1000 : null,
    };
  }
}

const NO_RATES: WindowRates = {
  promptTokensPerSecond: null,
  generationTokensPerSecond: null,
  prefixCacheHitRate: null,
  ttftMs: null,
};

function restarted(before: Partial<EngineCounters>, after: Partial<EngineCounters>): boolean {
  return (Object.keys(after) as (keyof EngineCounters)[]).some((k) => {
    const b = before[k];
    const a = after[k];
    return b !== undefined && a !== undefined && a < b;
  });
}
