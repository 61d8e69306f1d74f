/** Percentiles and means over samples; failed samples (NaN) are counted, not averaged. */
export interface Summary {
  n: number;
  failed: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

/** Linear interpolation between closest ranks; NaN for no samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export function summarise(samples: readonly number[]): Summary {
  const ok = samples.filter((s) => Number.isFinite(s)).sort((a, b) => a - b);
  return {
    n: ok.length,
    failed: samples.length - ok.length,
    p50: percentile(ok, 50),
    p99: percentile(ok, 99),
    mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN,
    max: ok.length ? ok[ok.length - 1]! : NaN,
  };
}
