import type { SimMetrics, ThroughputWindow } from '../../core/sim-metrics';

/**
 * `/metrics` exactly as llama-server renders it: hand-written Prometheus text with its names,
 * HELP strings and order, every value printed as a C++ stream prints a double. No KV-cache
 * gauges: llama.cpp removed them.
 */

export interface MetricsInputs {
  readonly metrics: SimMetrics;
  /** The throughput window since the previous scrape. */
  readonly bucket: ThroughputWindow;
  readonly busySlots: number;
  readonly waiting: number;
}

interface MetricDef {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  value(inputs: MetricsInputs): number;
}

const perSecond = (tokens: number, ms: number): number => (tokens ? (1e3 / ms) * tokens : 0);

const METRICS: readonly MetricDef[] = [
  {
    name: 'prompt_tokens_total',
    type: 'counter',
    help: 'Number of prompt tokens processed.',
    value: (i) => i.metrics.total.promptTokens,
  },
  {
    name: 'prompt_seconds_total',
    type: 'counter',
    help: 'Prompt process time',
    value: (i) => i.metrics.total.promptMs / 1e3,
  },
  {
    name: 'tokens_predicted_total',
    type: 'counter',
    help: 'Number of generation tokens processed.',
    value: (i) => i.metrics.total.predictedTokens,
  },
  {
    name: 'tokens_predicted_seconds_total',
    type: 'counter',
    help: 'Predict process time',
    value: (i) => i.metrics.total.predictedMs / 1e3,
  },
  {
    name: 'n_decode_total',
    type: 'counter',
    help: 'Total number of llama_decode() calls',
    value: (i) => i.metrics.decodeCalls,
  },
  {
    name: 'n_tokens_max',
    type: 'counter',
    help: 'Largest observed n_tokens.',
    value: (i) => i.metrics.maxSlotTokens,
  },
  {
    name: 'spec_decode_num_draft_tokens_total',
    type: 'counter',
    help: 'Total draft tokens generated',
    value: () => 0,
  },
  {
    name: 'spec_decode_num_accepted_tokens_total',
    type: 'counter',
    help: 'Total draft tokens accepted by the target model',
    value: () => 0,
  },
  {
    name: 'spec_decode_num_drafts_total',
    type: 'counter',
    help: 'Total speculative decoding verification steps',
    value: () => 0,
  },
  {
    name: 'prompt_tokens_seconds',
    type: 'gauge',
    help: 'Average prompt throughput in tokens/s.',
    value: (i) => perSecond(i.bucket.promptTokens, i.bucket.promptMs),
  },
  {
    name: 'predicted_tokens_seconds',
    type: 'gauge',
    help: 'Average generation throughput in tokens/s.',
    value: (i) => perSecond(i.bucket.predictedTokens, i.bucket.predictedMs),
  },
  {
    name: 'requests_processing',
    type: 'gauge',
    help: 'Number of requests processing.',
    value: (i) => i.busySlots,
  },
  {
    name: 'requests_deferred',
    type: 'gauge',
    help: 'Number of requests deferred.',
    value: (i) => i.waiting,
  },
  {
    name: 'n_busy_slots_per_decode',
    type: 'gauge',
    help: 'Average number of busy slots per llama_decode() call',
    value: (i) => i.metrics.busySlotsInDecodes / Math.max(1, i.metrics.decodeCalls),
  },
];

export function renderLlamacppMetrics(inputs: MetricsInputs): string {
  return METRICS.map((m) => {
    const name = `llamacpp:${m.name}`;
    return `# HELP ${name} ${m.help}\n# TYPE ${name} ${m.type}\n${name} ${formatStreamDouble(m.value(inputs))}\n`;
  }).join('');
}

/** A double through a default C++ `std::ostream` (`%g`, 6 significant digits). */
export function formatStreamDouble(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return '0';
  const [mantissa = '0', exponentText = '0'] = value.toExponential(5).split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? '-' : '+';
    return `${trimZeros(mantissa)}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  return trimZeros(value.toFixed(5 - exponent));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
