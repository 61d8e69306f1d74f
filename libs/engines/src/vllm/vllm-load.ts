import type { NodeLoad } from '@switchyard/contracts';
import type { EngineCounters, EngineEndpoint } from '../engine-adapter';
import { parsePrometheusText, type PrometheusSample } from '../shared/prometheus-text';

/**
 * vLLM load figures and counters from `/metrics` [VLLM `v1/metrics/loggers.py`]. Every vLLM
 * series carries `model_name` and `engine` labels, so data-parallel ranks (and, in principle,
 * several served names) appear as separate samples of one name. The slot count is not exposed
 * (`--max-num-seqs` is configuration), so it is left to the worker's own configuration.
 */

export const VLLM_LOAD_SOURCES = {
  metrics: { plane: 'inference', path: '/metrics' },
} as const satisfies Readonly<Record<string, EngineEndpoint>>;

/**
 * Each figure's metric names, current first. `gpu_*` were deprecated in 0.9 and removed by
 * PR #29330; while hidden metrics are shown, a server exposes both names with one value.
 * Counters are exposed with `_total`; the bare names are accepted for exporters that drop it.
 */
const KV_CACHE_USAGE = ['vllm:kv_cache_usage_perc', 'vllm:gpu_cache_usage_perc'] as const;

const COUNTERS = {
  promptTokensTotal: ['vllm:prompt_tokens_total'],
  generationTokensTotal: ['vllm:generation_tokens_total'],
  prefixCacheQueriesTotal: [
    'vllm:prefix_cache_queries_total',
    'vllm:gpu_prefix_cache_queries_total',
    'vllm:gpu_prefix_cache_queries',
  ],
  prefixCacheHitsTotal: [
    'vllm:prefix_cache_hits_total',
    'vllm:gpu_prefix_cache_hits_total',
    'vllm:gpu_prefix_cache_hits',
  ],
  ttftSecondsSum: ['vllm:time_to_first_token_seconds_sum'],
  ttftCount: ['vllm:time_to_first_token_seconds_count'],
} as const satisfies Partial<Record<keyof EngineCounters, readonly string[]>>;

type Bodies = Readonly<Record<string, string | undefined>>;

export function parseVllmLoad(bodies: Bodies): Partial<NodeLoad> {
  const samples = readSamples(bodies);
  const load: Partial<NodeLoad> = {};
  const running = sum(values(samples, ['vllm:num_requests_running']));
  const waiting = sum(values(samples, ['vllm:num_requests_waiting']));
  // A ratio per rank: the node's use is their mean (ranks have equal caches), never their sum.
  const kv = mean(values(samples, KV_CACHE_USAGE));
  if (running !== undefined) load.running = running;
  if (waiting !== undefined) load.waiting = waiting;
  if (kv !== undefined) load.kvCacheUsage = Math.min(1, Math.max(0, kv));
  const slots = statedMaxNumSeqs(samples);
  if (slots !== undefined) load.slotsTotal = slots;
  return load;
}

/**
 * `--max-num-seqs` when a config-info gauge carries it as a label (`vllm:cache_config_info` and
 * its kin hold configuration as labels; today's builds do not include the scheduler's, so the
 * worker usually learns the figure from latency instead). Summed over data-parallel ranks.
 */
function statedMaxNumSeqs(samples: readonly PrometheusSample[]): number | undefined {
  const perRank = new Map<string, number>();
  for (const s of samples) {
    if (!/^vllm:\w*config_info$/.test(s.name)) continue;
    const seqs = Number(s.labels.max_num_seqs);
    if (Number.isInteger(seqs) && seqs > 0) perRank.set(s.labels.engine ?? '0', seqs);
  }
  return perRank.size === 0 ? undefined : [...perRank.values()].reduce((a, b) => a + b, 0);
}

export function parseVllmCounters(bodies: Bodies): Partial<EngineCounters> {
  const samples = readSamples(bodies);
  const counters: Partial<EngineCounters> = {};
  for (const [field, names] of Object.entries(COUNTERS) as [
    keyof EngineCounters,
    readonly string[],
  ][]) {
    const total = sum(values(samples, names));
    if (total !== undefined) counters[field] = total;
  }
  // vLLM counts every generated token as it is scheduled: nothing is in flight uncounted.
  if (counters.generationTokensTotal !== undefined) counters.generationTokensInFlight = 0;
  return counters;
}

function readSamples(bodies: Bodies): PrometheusSample[] {
  return bodies.metrics === undefined ? [] : parsePrometheusText(bodies.metrics);
}

/** Finite values of the first name that has any sample, one per label set. */
function values(samples: readonly PrometheusSample[], names: readonly string[]): number[] {
  for (const name of names) {
    const found = samples.filter((s) => s.name === name && Number.isFinite(s.value));
    if (found.length > 0) return found.map((s) => s.value);
  }
  return [];
}

function sum(list: readonly number[]): number | undefined {
  return list.length === 0 ? undefined : list.reduce((total, v) => total + v, 0);
}

function mean(list: readonly number[]): number | undefined {
  const total = sum(list);
  return total === undefined ? undefined : total / list.length;
}
