/** A Prometheus histogram: cumulative count per upper bound (as `_bucket` samples are), sum, count. */
export class Histogram {
  readonly buckets: number[];
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[]) {
    this.buckets = bounds.map(() => 0);
  }

  observe(value: number): void {
    this.count += 1;
    this.sum += value;
    this.bounds.forEach((bound, i) => {
      if (value <= bound) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
    });
  }
}

/** The sample groups of a histogram: every `_bucket` (`+Inf` last), `_count`, `_sum`. */
export type HistogramPart = 'buckets' | 'count' | 'sum';

/** How one engine's exporter prints a histogram's samples. */
export interface HistogramStyle {
  /** One sample line of `series` (`<name>_bucket`, …), with its `le` label on buckets. */
  readonly sample: (series: string, le: string | undefined, value: number) => string;
  /** A finite upper bound as the `le` label value. */
  readonly le: (bound: number) => string;
  /** The order the exporter writes the groups in. */
  readonly order: readonly HistogramPart[];
}

/** The samples of histogram `name` (no `# HELP`/`# TYPE` lines), in the engine's style. */
export function renderHistogram(name: string, h: Histogram, style: HistogramStyle): string {
  const bucket = `${name}_bucket`;
  const parts: Record<HistogramPart, () => string> = {
    buckets: () =>
      h.bounds
        .map((bound, i) => style.sample(bucket, style.le(bound), h.buckets[i] ?? 0))
        .join('') + style.sample(bucket, '+Inf', h.count),
    count: () => style.sample(`${name}_count`, undefined, h.count),
    sum: () => style.sample(`${name}_sum`, undefined, h.sum),
  };
  return style.order.map((part) => parts[part]()).join('');
}
