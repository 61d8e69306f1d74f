import { performance } from 'node:perf_hooks';
import type { ChoiceResult, GenerationEvent } from '../../core/generation-runner';
import { Histogram } from '../../core/histogram';

/**
 * What MindIE counts per request for `/metrics` (`prometheus_metrics.cpp`) and `/metrics-json`
 * (`HttpMetrics`), kept by the personality because the shared pool does not see requests.
 */

/** Upper bounds of MindIE's histograms, as its Prometheus registry declares them. */
export const HISTOGRAM_BOUNDS = {
  time_to_first_token_seconds: [
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
  ],
  time_per_output_token_seconds: [
    0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 2.5,
  ],
  e2e_request_latency_seconds: [1, 2.5, 5, 10, 15, 20, 30, 40, 50, 60],
  request_prompt_tokens: [10, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
  request_generation_tokens: [10, 50, 100, 200, 500, 1000, 2000, 5000, 10000],
} as const satisfies Record<string, readonly number[]>;

export type HistogramName = keyof typeof HISTOGRAM_BOUNDS;

/** MindIE's `/metrics-json` averages TTFT and TBT over about the last thousand requests. */
const ROLLING_WINDOW = 1000;

export class RollingMean {
  private readonly values: number[] = [];

  add(value: number): void {
    this.values.push(value);
    if (this.values.length > ROLLING_WINDOW) this.values.shift();
  }

  get mean(): number {
    const n = this.values.length;
    return n === 0 ? 0 : this.values.reduce((sum, v) => sum + v, 0) / n;
  }
}

export class MindieStats {
  received = 0;
  succeeded = 0;
  failed = 0;
  /** Prompt tokens of admitted requests (counted once per request, whatever its `n`). */
  promptTokens = 0;
  /** Tokens decoded by requests that finished. */
  generationTokens = 0;
  readonly histograms = Object.fromEntries(
    Object.entries(HISTOGRAM_BOUNDS).map(([name, bounds]) => [name, new Histogram(bounds)]),
  ) as Record<HistogramName, Histogram>;
  /** Milliseconds, per request. */
  readonly ttftMs = new RollingMean();
  /** Milliseconds between two tokens of a sequence. */
  readonly tbtMs = new RollingMean();

  /** Starts timing one inference request. */
  track(): RequestTracker {
    this.received++;
    return new RequestTracker(this);
  }
}

/** One request's timings: first token, gaps between tokens, end to end. */
export class RequestTracker {
  private readonly start = performance.now();
  private firstToken = false;
  private readonly lastTokenAt = new Map<number, number>();
  private settled = false;

  constructor(private readonly stats: MindieStats) {}

  admitted(promptTokens: number): void {
    this.stats.promptTokens += promptTokens;
    this.stats.histograms.request_prompt_tokens.observe(promptTokens);
  }

  onEvent(event: GenerationEvent): void {
    if (event.type !== 'token') return;
    const now = performance.now();
    if (!this.firstToken) {
      this.firstToken = true;
      this.stats.histograms.time_to_first_token_seconds.observe((now - this.start) / 1e3);
      this.stats.ttftMs.add(now - this.start);
    }
    const previous = this.lastTokenAt.get(event.index);
    if (previous !== undefined) {
      this.stats.histograms.time_per_output_token_seconds.observe((now - previous) / 1e3);
      this.stats.tbtMs.add(now - previous);
    }
    this.lastTokenAt.set(event.index, now);
  }

  succeeded(results: readonly ChoiceResult[]): void {
    if (this.settle()) return;
    const generated = results.reduce((sum, r) => sum + r.stats.predictedN, 0);
    this.stats.succeeded++;
    this.stats.generationTokens += generated;
    this.stats.histograms.request_generation_tokens.observe(generated);
    this.stats.histograms.e2e_request_latency_seconds.observe(
      (performance.now() - this.start) / 1e3,
    );
  }

  failed(): void {
    if (!this.settle()) this.stats.failed++;
  }

  /** True when the outcome was counted already. */
  private settle(): boolean {
    const done = this.settled;
    this.settled = true;
    return done;
  }
}
