import type { NodeLoad } from '@switchyard/contracts';
import type { EngineCounters, EngineEndpoint } from '../engine-adapter';
import { asArray, asNumber, asString, isObject, tryParseJson } from '../shared/json-guards';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../shared/prometheus-text';

/**
 * MindIE load figures. Reference: Ascend/MindIE-LLM src/server/endpoint/http_wrapper/
 * prometheus_metrics.cpp (names, types, label `model_name`) and http_handler.cpp (`/info`).
 * Metric names carry no prefix, and each process has one registry, so the first sample of a
 * name is the engine's (`model_name` joins several model names with " & ").
 */

export const MINDIE_LOAD_SOURCES = {
  // Served only with MIES_SERVICE_MONITOR_MODE=1; without it the body is missing or empty.
  metrics: { plane: 'metrics', path: '/metrics' },
  // TGI-style info; `max_concurrent_requests` is the configured maxBatchSize.
  info: { plane: 'management', path: '/info' },
} as const satisfies Readonly<Record<string, EngineEndpoint>>;

type LoadBodies = Readonly<Record<string, string | undefined>>;
type RateField =
  'kvCacheUsage' | 'prefixCacheHitRate' | 'promptTokensPerSecond' | 'generationTokensPerSecond';

const COUNT_GAUGES = {
  running: 'num_requests_running',
  waiting: 'num_requests_waiting',
} as const satisfies Partial<Record<keyof NodeLoad, string>>;

const RATE_GAUGES = {
  // Used KV blocks over total blocks, 0..1.
  kvCacheUsage: 'npu_cache_usage_perc',
  // npu_radix_match_hit_num / all_radix_match_num since start, not over a recent window; the
  // worker's windowed rate from the same two counters (parseMindieCounters) is the better figure.
  prefixCacheHitRate: 'npu_prefix_cache_hit_rate',
  // The engine's own recent averages (tokens/ms scaled by 1000 in prometheus_metrics.cpp).
  promptTokensPerSecond: 'avg_prompt_throughput_toks_per_s',
  generationTokensPerSecond: 'avg_generation_throughput_toks_per_s',
} as const satisfies Record<RateField, string>;

/**
 * `all_radix_match_num` / `npu_radix_match_hit_num` are exported as gauges but hold the
 * scheduler's running totals of prompt tokens looked up in / found in the radix prefix cache
 * (their help texts), which is what vLLM's prefix_cache_queries/hits count too, so they serve
 * as queries/hits. Older MindIE builds do not export them; the counters are then omitted.
 */
const COUNTER_METRICS = {
  promptTokensTotal: 'prompt_tokens_total',
  generationTokensTotal: 'generation_tokens_total',
  prefixCacheQueriesTotal: 'all_radix_match_num',
  prefixCacheHitsTotal: 'npu_radix_match_hit_num',
  ttftSecondsSum: 'time_to_first_token_seconds_sum',
  ttftCount: 'time_to_first_token_seconds_count',
} as const satisfies Partial<Record<keyof EngineCounters, string>>;

export interface MindieInfo {
  /** `max_concurrent_requests`: sequences the engine batches at once. */
  slotsTotal?: number;
  /** `models[].model_id`. */
  modelIds: string[];
}

export function parseMindieLoad(bodies: LoadBodies): Partial<NodeLoad> {
  const samples = readSamples(bodies.metrics);
  const load: Partial<NodeLoad> = {
    // The TTFT histogram spans the whole uptime; a recent mean needs its sum/count over a window.
    ttftMs: null,
  };
  for (const [field, name] of entriesOf(RATE_GAUGES)) load[field] = read(samples, name) ?? null;
  for (const [field, name] of entriesOf(COUNT_GAUGES)) {
    const value = read(samples, name);
    if (value !== undefined) load[field] = value;
  }
  const info = bodies.info === undefined ? undefined : tryParseJson(bodies.info);
  const slotsTotal = readMindieInfo(info)?.slotsTotal;
  if (slotsTotal !== undefined) {
    load.slotsTotal = slotsTotal;
    if (load.running !== undefined) load.slotsFree = Math.max(0, slotsTotal - load.running);
  }
  return load;
}

export function parseMindieCounters(bodies: LoadBodies): Partial<EngineCounters> {
  const samples = readSamples(bodies.metrics);
  const counters: Partial<EngineCounters> = {};
  for (const [field, name] of entriesOf(COUNTER_METRICS)) {
    const value = read(samples, name);
    if (value !== undefined) counters[field] = value;
  }
  return counters;
}

/** The parsed `/info` body, or undefined when it is not a JSON object. */
export function readMindieInfo(info: unknown): MindieInfo | undefined {
  if (!isObject(info)) return undefined;
  const slots = asNumber(info.max_concurrent_requests);
  const modelIds = asArray(info.models).flatMap((m) => {
    const id = isObject(m) ? asString(m.model_id) : undefined;
    return id === undefined || id === '' ? [] : [id];
  });
  return slots !== undefined && Number.isInteger(slots) && slots > 0
    ? { slotsTotal: slots, modelIds }
    : { modelIds };
}

function readSamples(text: string | undefined): PrometheusSample[] {
  return text === undefined ? [] : parsePrometheusText(text);
}

function read(samples: readonly PrometheusSample[], name: string): number | undefined {
  const value = sampleValue(samples, name);
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

function entriesOf<K extends string>(table: Readonly<Record<K, string>>): [K, string][] {
  return Object.entries(table) as [K, string][];
}
