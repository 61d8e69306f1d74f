import { performance } from 'node:perf_hooks';
import type { GenerationEvent } from '../../core/generation-runner';
import { Histogram } from '../../core/histogram';
import { engineFinishReason, VLLM_FINISH_REASONS, type VllmFinishReason } from './vllm.wire';

/**
 * What vLLM counts per request beyond the shared counters (`v1/metrics/stats.py`): tokens as
 * they are produced, finished requests by reason, and the latency histograms. As in vLLM's V1
 * engine, each choice of an `n > 1` request is a request of its own here.
 */

const now = (): number => performance.now();

// Bucket bounds of `v1/metrics/loggers.py`.
// prettier-ignore
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
  20.0, 40.0, 80.0, 160.0, 640.0, 2560.0,
];
// prettier-ignore
const ITL_BUCKETS = [
  0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0,
  40.0, 80.0,
];
// prettier-ignore
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
  480.0, 960.0, 1920.0, 7680.0,
];

export class VllmStats {
  /** Prompt tokens of every request that started (cached ones included, as vLLM counts them). */
  promptTokens = 0;
  /** Tokens as they are decoded, whether or not the request later completes. */
  generationTokens = 0;
  readonly finished = Object.fromEntries(VLLM_FINISH_REASONS.map((r) => [r, 0])) as Record<
    VllmFinishReason,
    number
  >;
  readonly timeToFirstToken = new Histogram(TTFT_BUCKETS);
  readonly interTokenLatency = new Histogram(ITL_BUCKETS);
  readonly e2eLatency = new Histogram(REQUEST_LATENCY_BUCKETS);

  /** Starts timing one generation request of `choices` sequences that arrived at `arrivedAt`. */
  track(choices: number, arrivedAt: number): RequestTracker {
    return new RequestTracker(this, choices, arrivedAt);
  }

  /** A pooling request: its inputs count as prompt tokens and as successful requests. */
  recordEmbeddings(promptTokens: readonly number[], arrivedAt: number): void {
    const seconds = (now() - arrivedAt) / 1000;
    for (const tokens of promptTokens) {
      this.promptTokens += tokens;
      this.finished.stop += 1;
      this.e2eLatency.observe(seconds);
    }
  }
}

export class RequestTracker {
  /** When each choice's latest token came out. */
  private readonly lastTokenAt = new Map<number, number>();
  private ended = 0;

  constructor(
    private readonly stats: VllmStats,
    private readonly choices: number,
    private readonly arrivedAt: number,
  ) {}

  observe(event: GenerationEvent): void {
    const t = now();
    if (event.type === 'final') {
      this.end(engineFinishReason(event.result), t);
      return;
    }
    const previous = this.lastTokenAt.get(event.index);
    if (previous === undefined) {
      this.stats.timeToFirstToken.observe((t - this.arrivedAt) / 1000);
      this.stats.promptTokens += event.promptTokens;
    } else {
      this.stats.interTokenLatency.observe((t - previous) / 1000);
    }
    this.lastTokenAt.set(event.index, t);
    this.stats.generationTokens += 1;
  }

  /** The client went away: every choice still running or waiting was aborted. */
  abort(): void {
    const t = now();
    while (this.ended < this.choices) this.end('abort', t);
  }

  private end(reason: VllmFinishReason, t: number): void {
    this.ended += 1;
    this.stats.finished[reason] += 1;
    this.stats.e2eLatency.observe((t - this.arrivedAt) / 1000);
  }
}

export const arrivalTime = now;
