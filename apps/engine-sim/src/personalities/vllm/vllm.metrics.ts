import { formatDouble } from '../../core/json-writer';
import type { SimContext } from '../../core/personality';
import { type Histogram, renderHistogram } from '../../core/histogram';
import type { VllmStats } from './vllm.stats';
import { VLLM_FINISH_REASONS } from './vllm.wire';

/**
 * `/metrics` as vLLM's Prometheus client renders it (`v1/metrics/loggers.py`): `vllm:` names with
 * `engine` and `model_name` labels (sorted, as the multiprocess collector writes them), counters
 * with `_total`, histograms with `_bucket`/`_count`/`_sum`, each followed by its `_created`
 * family, values printed the way `floatToGoString` prints them.
 */

export interface MetricsInputs {
  readonly ctx: SimContext;
  readonly stats: VllmStats;
}

type Labels = Readonly<Record<string, string>>;

interface Family {
  render(inputs: MetricsInputs, labels: Labels, created: number): string;
}

/** prometheus_client's `floatToGoString`: Python's repr, switching to exponents as Go does. */
export function goFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const repr = formatDouble(value);
  const dot = repr.indexOf('.');
  if (value <= 0 || dot <= 6) return repr;
  const mantissa = `${repr[0]}.${repr.slice(1, dot)}${repr.slice(dot + 1)}`.replace(/[0.]+$/, '');
  return `${mantissa}e+0${dot - 1}`;
}

const escape = (value: string): string =>
  value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');

function sample(name: string, labels: Labels, value: number): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((key) => `${key}="${escape(labels[key] ?? '')}"`);
  return `${name}{${pairs.join(',')}} ${goFloat(value)}\n`;
}

const header = (name: string, help: string, type: string): string =>
  `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`;

const createdFamily = (name: string, help: string, series: readonly Labels[], at: number): string =>
  header(`${name}_created`, help, 'gauge') +
  series.map((l) => sample(`${name}_created`, l, at)).join('');

const gauge = (name: string, help: string, value: (i: MetricsInputs) => number): Family => ({
  render: (inputs, labels) => header(name, help, 'gauge') + sample(name, labels, value(inputs)),
});

type Series = readonly (readonly [extra: Labels, value: number])[];

const counter = (name: string, help: string, values: (i: MetricsInputs) => Series): Family => ({
  render(inputs, labels, created) {
    const series = values(inputs).map(
      ([extra, value]) => [{ ...labels, ...extra }, value] as const,
    );
    const samples = series.map(([l, value]) => sample(`${name}_total`, l, value)).join('');
    const createdSeries = series.map(([l]) => l);
    return (
      header(`${name}_total`, help, 'counter') +
      samples +
      createdFamily(name, help, createdSeries, created)
    );
  },
});

const single =
  (value: (i: MetricsInputs) => number) =>
  (inputs: MetricsInputs): Series => [[{}, value(inputs)]];

const histogram = (name: string, help: string, pick: (s: VllmStats) => Histogram): Family => ({
  render(inputs, labels, created) {
    const h = pick(inputs.stats);
    return (
      header(name, help, 'histogram') +
      renderHistogram(name, h, {
        sample: (series, le, value) =>
          sample(series, le === undefined ? labels : { ...labels, le }, value),
        le: goFloat,
        order: ['buckets', 'count', 'sum'],
      }) +
      createdFamily(name, help, [labels], created)
    );
  },
});

const FAMILIES: readonly Family[] = [
  gauge(
    'vllm:num_requests_running',
    'Number of requests in model execution batches.',
    (i) => i.ctx.pool.busySlots,
  ),
  gauge(
    'vllm:num_requests_waiting',
    'Number of requests waiting to be processed.',
    (i) => i.ctx.pool.waitingCount,
  ),
  gauge('vllm:kv_cache_usage_perc', 'KV-cache usage. 1 means 100 percent usage.', (i) =>
    i.ctx.kvUsage(),
  ),
  counter(
    'vllm:prefix_cache_queries',
    'Prefix cache queries, in terms of number of queried tokens.',
    single((i) => i.ctx.metrics.prefixCache.queryTokens),
  ),
  counter(
    'vllm:prefix_cache_hits',
    'Prefix cache hits, in terms of number of cached tokens.',
    single((i) => i.ctx.metrics.prefixCache.hitTokens),
  ),
  // A sequence reserves all the KV cache it may need when it starts, so none is ever preempted.
  counter(
    'vllm:num_preemptions',
    'Cumulative number of preemption from the engine.',
    single(() => 0),
  ),
  counter(
    'vllm:prompt_tokens',
    'Number of prefill tokens processed.',
    single((i) => i.stats.promptTokens),
  ),
  counter(
    'vllm:generation_tokens',
    'Number of generation tokens processed.',
    single((i) => i.stats.generationTokens),
  ),
  counter('vllm:request_success', 'Count of successfully processed requests.', (i) =>
    VLLM_FINISH_REASONS.map((reason) => [{ finished_reason: reason }, i.stats.finished[reason]]),
  ),
  histogram(
    'vllm:time_to_first_token_seconds',
    'Histogram of time to first token in seconds.',
    (s) => s.timeToFirstToken,
  ),
  histogram(
    'vllm:inter_token_latency_seconds',
    'Histogram of inter-token latency in seconds.',
    (s) => s.interTokenLatency,
  ),
  histogram(
    'vllm:e2e_request_latency_seconds',
    'Histogram of e2e request latency in seconds.',
    (s) => s.e2eLatency,
  ),
];

export function renderVllmMetrics(inputs: MetricsInputs): string {
  const labels = { engine: '0', model_name: inputs.ctx.settings.model };
  return FAMILIES.map((family) => family.render(inputs, labels, inputs.ctx.startedAt)).join('');
}
