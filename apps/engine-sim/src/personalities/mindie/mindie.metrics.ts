import { renderHistogram } from '../../core/histogram';
import type { SimContext } from '../../core/personality';
import type { ThroughputWindow } from '../../core/sim-metrics';
import type { HistogramName, MindieStats } from './mindie.stats';

/**
 * The metrics port's `/metrics` as MindIE's prometheus-cpp registry renders it
 * (`prometheus_metrics.cpp`): unprefixed names, one `model_name` label, this order, histograms
 * as `_count`, `_sum`, then cumulative buckets.
 */

export interface MetricsInputs {
  readonly ctx: SimContext;
  readonly stats: MindieStats;
  /** The throughput window since the previous scrape. */
  readonly bucket: ThroughputWindow;
}

type Sampled = {
  readonly type: 'counter' | 'gauge';
  readonly name: string;
  readonly help: string;
  value(inputs: MetricsInputs): number;
};
type Histogrammed = {
  readonly type: 'histogram';
  readonly name: HistogramName;
  readonly help: string;
};
type MetricDef = Sampled | Histogrammed;

const perSecond = (tokens: number, ms: number): number => (tokens ? (1e3 / ms) * tokens : 0);
const ratio = (part: number, whole: number): number => (whole > 0 ? part / whole : 0);

const counter = (name: string, help: string, value: Sampled['value']): Sampled => ({
  type: 'counter',
  name,
  help,
  value,
});
const gauge = (name: string, help: string, value: Sampled['value']): Sampled => ({
  type: 'gauge',
  name,
  help,
  value,
});
const histogram = (name: HistogramName, help: string): Histogrammed => ({
  type: 'histogram',
  name,
  help,
});

// prettier-ignore
const METRICS: readonly MetricDef[] = [
  counter('request_received_total', 'Count of received requests.', (i) => i.stats.received),
  counter('request_success_total', 'Count of successfully processed requests.', (i) => i.stats.succeeded),
  counter('request_failed_total', 'Count of failed requests.', (i) => i.stats.failed),
  gauge('num_requests_running', 'Number of requests currently running on GPU.', (i) => i.ctx.pool.busySlots),
  gauge('num_requests_waiting', 'Number of requests waiting to be processed.', (i) => i.ctx.pool.waitingCount),
  // The simulated cache never swaps to host memory.
  gauge('num_requests_swapped', 'Number of requests swapped to CPU.', () => 0),
  gauge('avg_prompt_throughput_toks_per_s', 'Average prefill throughput in tokens/s.',
    (i) => perSecond(i.bucket.promptTokens, i.bucket.promptMs)),
  gauge('avg_generation_throughput_toks_per_s', 'Average generation throughput in tokens/s.',
    (i) => perSecond(i.bucket.predictedTokens, i.bucket.predictedMs)),
  histogram('time_to_first_token_seconds', 'Histogram of time to first token in seconds.'),
  histogram('time_per_output_token_seconds', 'Histogram of time per output token in seconds.'),
  histogram('e2e_request_latency_seconds', 'Histogram of end to end request latency in seconds.'),
  gauge('failed_request_perc', 'Requests failure rate. 1 means 100 percent usage.',
    (i) => ratio(i.stats.failed, i.stats.received)),
  histogram('request_prompt_tokens', 'Number of prefill tokens processed.'),
  histogram('request_generation_tokens', 'Number of generation tokens processed.'),
  counter('prompt_tokens_total', 'Number of prefill tokens processed.', (i) => i.stats.promptTokens),
  counter('generation_tokens_total', 'Number of generation tokens processed.', (i) => i.stats.generationTokens),
  gauge('npu_cache_usage_perc', 'NPU KV-cache usage. 1 means 100 percent usage.', (i) => i.ctx.kvUsage()),
  gauge('cpu_cache_usage_perc', 'CPU KV-cache usage. 1 means 100 percent usage.', () => 0),
  gauge('npu_prefix_cache_hit_rate', 'NPU prefix cache block hit rate.',
    (i) => ratio(i.ctx.metrics.prefixCache.hitTokens, i.ctx.metrics.prefixCache.queryTokens)),
  counter('num_preemptions_total', 'Cumulative number of preemption from the engine.', () => 0),
  // Gauges holding running token totals, which is how MindIE declares them.
  gauge('all_radix_match_num', 'Total number of prefill prompt tokens participating in prefix cache radix match.',
    (i) => i.ctx.metrics.prefixCache.queryTokens),
  gauge('npu_radix_match_hit_num', 'Number of prefill prompt tokens hit by prefix cache radix match.',
    (i) => i.ctx.metrics.prefixCache.hitTokens),
];

export function renderMindieMetrics(inputs: MetricsInputs): string {
  const label = `model_name="${escapeLabel(inputs.ctx.settings.model)}"`;
  return METRICS.map((m) => {
    const head = `# HELP ${m.name} ${m.help}\n# TYPE ${m.name} ${m.type}\n`;
    if (m.type !== 'histogram') return `${head}${m.name}{${label}} ${m.value(inputs)}\n`;
    return (
      head +
      renderHistogram(m.name, inputs.stats.histograms[m.name], {
        sample: (series, le, value) =>
          `${series}{${label}${le === undefined ? '' : `,le="${le}"`}} ${value}\n`,
        le: String,
        order: ['count', 'sum', 'buckets'],
      })
    );
  }).join('');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
