import type { NodeLoad } from '@switchyard/contracts';
import type { EngineCounters, EngineEndpoint } from '../engine-adapter';
import { asNumber, isObject, tryParseJson } from '../shared/json-guards';
import { parsePrometheusText, sampleValue, type PrometheusSample } from '../shared/prometheus-text';

/**
 * TGI load figures from `/metrics` and `/info`.
 * Reference: huggingface/text-generation-inference docs/source/reference/metrics.md,
 * router/src/server.rs (where each metric is recorded), router/src/lib.rs `Info`.
 */

export const TGI_LOAD_SOURCES = {
  metrics: { plane: 'inference', path: '/metrics' },
  info: { plane: 'inference', path: '/info' },
} as const satisfies Record<string, EngineEndpoint>;

type Bodies = Readonly<Record<string, string | undefined>>;

const GAUGES = {
  running: 'tgi_batch_current_size',
  waiting: 'tgi_queue_size',
} as const satisfies Partial<Record<keyof NodeLoad, string>>;

/**
 * Token totals from the `_sum` of two histograms, which move like counters (a sum of
 * non-negative observations). Caveats a windowed rate inherits:
 * - `tgi_request_input_length` is observed when a request passes validation, before it queues,
 *   so prompt tokens count on admission, slightly ahead of the prefill that processes them;
 * - `tgi_request_generated_tokens` is observed once per request when it succeeds, so generated
 *   tokens count at completion (lumpy over windows shorter than a generation) and tokens of
 *   failed or cancelled requests never count.
 * TGI has no time-to-first-token histogram (`tgi_request_queue_duration` stops at scheduling)
 * and no prefix-cache counters, so those stay omitted.
 */
const COUNTERS = {
  promptTokensTotal: 'tgi_request_input_length_sum',
  generationTokensTotal: 'tgi_request_generated_tokens_sum',
} as const satisfies Partial<Record<keyof EngineCounters, string>>;

export function parseTgiLoad(bodies: Bodies): Partial<NodeLoad> {
  const samples = metricSamples(bodies);
  const load: Partial<NodeLoad> = {
    // TGI exports no KV-cache gauge (only the batch's token budget, tgi_batch_current_max_tokens).
    kvCacheUsage: null,
    prefixCacheHitRate: null,
    promptTokensPerSecond: null,
    generationTokensPerSecond: null,
    ttftMs: null,
  };
  for (const [field, metric] of Object.entries(GAUGES) as [keyof typeof GAUGES, string][]) {
    const value = finite(sampleValue(samples, metric));
    if (value !== undefined) load[field] = value;
  }
  // max_concurrent_requests bounds the permits held by queued and running requests alike.
  const permits = bodies.info === undefined ? undefined : maxConcurrentRequests(bodies.info);
  if (permits !== undefined) {
    load.slotsTotal = permits;
    if (load.running !== undefined && load.waiting !== undefined)
      load.slotsFree = Math.max(0, permits - load.running - load.waiting);
  }
  return load;
}

export function parseTgiCounters(bodies: Bodies): Partial<EngineCounters> {
  const samples = metricSamples(bodies);
  const counters: Partial<EngineCounters> = {};
  for (const [field, metric] of Object.entries(COUNTERS) as [keyof typeof COUNTERS, string][]) {
    const value = finite(sampleValue(samples, metric));
    if (value !== undefined) counters[field] = value;
  }
  return counters;
}

/** The served model's id from `/info` (TGI serves exactly one). */
export function tgiModelId(info: unknown): string | undefined {
  if (!isObject(info) || typeof info.model_id !== 'string' || info.model_id === '')
    return undefined;
  return info.model_id;
}

function maxConcurrentRequests(body: string): number | undefined {
  const info = tryParseJson(body);
  const value = isObject(info) ? asNumber(info.max_concurrent_requests) : undefined;
  return value !== undefined && value > 0 ? value : undefined;
}

function metricSamples(bodies: Bodies): PrometheusSample[] {
  return bodies.metrics === undefined ? [] : parsePrometheusText(bodies.metrics);
}

function finite(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}
