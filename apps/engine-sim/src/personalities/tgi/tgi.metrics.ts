import { Histogram, type HistogramStyle, renderHistogram } from '../../core/histogram';
import type { SimContext } from '../../core/personality';

/**
 * TGI's `/metrics` (`docs/source/reference/metrics.md`; recorded in `router/src/server.rs` and
 * `infer/mod.rs`, exported by metrics-exporter-prometheus): `# TYPE` lines only, counters, then
 * gauges, then histograms with the bucket layouts `server.rs` configures. The router counts per
 * request, so the personality feeds it; the gauges come from the shared pool.
 */

/** How long each phase of a successful request took, in seconds. */
export interface RequestTiming {
  readonly total: number;
  readonly validation: number;
  readonly queue: number;
  readonly inference: number;
  readonly generatedTokens: number;
}

/** metrics-exporter-prometheus: no labels, buckets first, every value as Rust prints it. */
const TGI_HISTOGRAM: HistogramStyle = {
  sample: (series, le, value) =>
    `${series}${le === undefined ? '' : `{le="${le}"}`} ${rustFloat(value)}\n`,
  le: rustFloat,
  order: ['buckets', 'sum', 'count'],
};

/** A histogram under its metric name. */
class NamedHistogram extends Histogram {
  constructor(
    readonly name: string,
    bounds: readonly number[],
  ) {
    super(bounds);
  }

  render(): string {
    return `# TYPE ${this.name} histogram\n${renderHistogram(this.name, this, TGI_HISTOGRAM)}`;
  }
}

/** `server.rs`: 35 geometric buckets from 0.1 ms for every `*_duration`. */
const DURATION_BUCKETS = Array.from({ length: 35 }).reduce<number[]>(
  (buckets) => [...buckets, (buckets.at(-1) ?? 0.0001) * 1.5],
  [],
);
/** `server.rs`: 100 even buckets up to a token limit. */
const linearBuckets = (max: number): number[] =>
  Array.from({ length: 100 }, (_, x) => (max / 100) * (x + 1));

export class TgiMetrics {
  private requests = 0;
  private successes = 0;
  private prefills = 0;
  private readonly failures = new Map<string, number>();
  private readonly inputLength: NamedHistogram;
  private readonly generatedTokens: NamedHistogram;
  private readonly maxNewTokens: NamedHistogram;
  private readonly durations = {
    total: new NamedHistogram('tgi_request_duration', DURATION_BUCKETS),
    validation: new NamedHistogram('tgi_request_validation_duration', DURATION_BUCKETS),
    queue: new NamedHistogram('tgi_request_queue_duration', DURATION_BUCKETS),
    inference: new NamedHistogram('tgi_request_inference_duration', DURATION_BUCKETS),
    perToken: new NamedHistogram('tgi_request_mean_time_per_token_duration', DURATION_BUCKETS),
  };

  constructor(limits: { maxInput: number; maxTotal: number }) {
    this.inputLength = new NamedHistogram(
      'tgi_request_input_length',
      linearBuckets(limits.maxInput),
    );
    this.generatedTokens = new NamedHistogram(
      'tgi_request_generated_tokens',
      linearBuckets(limits.maxTotal),
    );
    this.maxNewTokens = new NamedHistogram(
      'tgi_request_max_new_tokens',
      linearBuckets(limits.maxTotal),
    );
  }

  onRequest(): void {
    this.requests += 1;
  }

  onValidated(inputLength: number, maxNewTokens: number): void {
    this.inputLength.observe(inputLength);
    this.maxNewTokens.observe(maxNewTokens);
  }

  /** A sequence produced its first token: its prefill ran as one batch. */
  onPrefill(): void {
    this.prefills += 1;
  }

  onFailure(label: string): void {
    this.failures.set(label, (this.failures.get(label) ?? 0) + 1);
  }

  onSuccess(timing: RequestTiming): void {
    this.successes += 1;
    this.generatedTokens.observe(timing.generatedTokens);
    this.durations.total.observe(timing.total);
    this.durations.validation.observe(timing.validation);
    this.durations.queue.observe(timing.queue);
    this.durations.inference.observe(timing.inference);
    this.durations.perToken.observe(timing.inference / Math.max(1, timing.generatedTokens));
  }

  render(ctx: SimContext): string {
    // The pool counts prefill chunks among its decode calls; the rest are decode steps.
    const decodes = Math.max(0, ctx.metrics.decodeCalls - this.prefills);
    const failures = [...this.failures].map(
      ([err, n]) => `tgi_request_failure{err="${err}"} ${n}\n`,
    );
    return [
      '# TYPE tgi_request_count counter\n',
      `tgi_request_count ${this.requests}\n`,
      '# TYPE tgi_request_success counter\n',
      `tgi_request_success ${this.successes}\n`,
      ...(failures.length > 0 ? ['# TYPE tgi_request_failure counter\n', ...failures] : []),
      '# TYPE tgi_batch_inference_count counter\n',
      `tgi_batch_inference_count{method="prefill"} ${this.prefills}\n`,
      `tgi_batch_inference_count{method="decode"} ${decodes}\n`,
      '# TYPE tgi_queue_size gauge\n',
      `tgi_queue_size ${ctx.pool.waitingCount}\n`,
      '# TYPE tgi_batch_current_size gauge\n',
      `tgi_batch_current_size ${ctx.pool.busySlots}\n`,
      // The tokens the running batch holds in KV cache, the closest figure the pool exposes.
      '# TYPE tgi_batch_current_max_tokens gauge\n',
      `tgi_batch_current_max_tokens ${ctx.pool.kvUsedTokens}\n`,
      this.inputLength.render(),
      this.generatedTokens.render(),
      this.maxNewTokens.render(),
      ...Object.values(this.durations).map((histogram) => histogram.render()),
    ].join('');
  }
}

/** An f64 as Rust's `Display` prints it: shortest round-trip digits, never an exponent. */
function rustFloat(value: number): string {
  const text = String(value);
  if (!text.includes('e')) return text;
  return value.toFixed(20).replace(/\.?0+$/, '');
}
