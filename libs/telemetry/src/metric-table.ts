import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric Switchyard exports, as data. Names carry the `switchyard_` prefix and a unit
 * suffix; labels come from closed sets (dialect ids, outcomes, node ids of the fleet).
 */
type MetricDef =
  | { kind: 'counter'; help: string; labels: readonly string[] }
  | { kind: 'gauge'; help: string; labels: readonly string[] }
  | { kind: 'histogram'; help: string; labels: readonly string[]; buckets: readonly number[] };

const LATENCY_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120,
] as const;
/** Time per output token: vLLM's `inter_token_latency_seconds` buckets, trimmed. */
const TOKEN_LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5,
  1, 2.5,
] as const;
/** A scheduling decision is pure in-memory work: microseconds to a few milliseconds. */
const DECISION_BUCKETS = [
  0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05,
] as const;

/** Per-device accelerator gauges share one label set: the device as the vendor tool numbers it. */
const acceleratorGauge = (help: string) =>
  ({ kind: 'gauge', help, labels: ['kind', 'device', 'chip', 'name'] }) as const;

/**
 * The gateway's series. `model` is a served or catalogued model, else `other` (see
 * MetricLabels in the gateway); `dialect`, `outcome`, `priority` (0–9), `filter` and
 * `code` come from closed tables; `node` appears only on per-node series.
 * Names follow vLLM's where they measure the same thing (`time_to_first_token_seconds`,
 * `inter_token_latency_seconds`, `e2e_request_latency_seconds`, `prompt_tokens_total`,
 * `generation_tokens_total`) and OpenTelemetry GenAI's `gen_ai.server.*` semantics.
 */
export const GATEWAY_METRICS = {
  switchyard_requests_total: {
    kind: 'counter',
    help: 'Inference requests by dialect, model and outcome (ok, client_error, rejected, failed, cancelled).',
    labels: ['dialect', 'model', 'outcome'],
  },
  switchyard_e2e_request_latency_seconds: {
    kind: 'histogram',
    help: 'Time from request arrival to the last byte sent (gen_ai.server.request.duration).',
    labels: ['dialect', 'model', 'stream'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_time_to_first_token_seconds: {
    kind: 'histogram',
    help: 'Time from request arrival to the first generated token relayed (gen_ai.server.time_to_first_token).',
    labels: ['dialect', 'model'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_inter_token_latency_seconds: {
    kind: 'histogram',
    help: 'Mean time per output token after the first, one observation per finished request (gen_ai.server.time_per_output_token).',
    labels: ['dialect', 'model'],
    buckets: TOKEN_LATENCY_BUCKETS,
  },
  switchyard_prompt_tokens_total: {
    kind: 'counter',
    help: 'Prompt (input) tokens of finished requests, as the engines counted them, by model and tenant (configured tenants, anonymous, other).',
    labels: ['model', 'tenant'],
  },
  switchyard_generation_tokens_total: {
    kind: 'counter',
    help: 'Generated (output) tokens of finished requests, as the engines counted them, by model and tenant.',
    labels: ['model', 'tenant'],
  },
  switchyard_queue_wait_seconds: {
    kind: 'histogram',
    help: 'Time from enqueue to a node starting the request, by model, priority class and queue (node: placed directly; shared: waited for a free slot).',
    labels: ['model', 'priority', 'queue'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_queued_requests: {
    kind: 'gauge',
    help: 'Requests waiting in each model’s shared queue for a free slot (an autoscaling signal).',
    labels: ['model'],
  },
  switchyard_admission_rejections_total: {
    kind: 'counter',
    help: 'Requests refused by admission (queue_full: the model’s queue at its bound; deadline: no slot freed in time).',
    labels: ['reason'],
  },
  switchyard_scheduling_decisions_total: {
    kind: 'counter',
    help: 'Placement decisions by outcome (placed: on a node; queued: in the model’s shared queue; rejected: queue full; no_node: no candidate; error: cluster unreachable).',
    labels: ['model', 'outcome'],
  },
  switchyard_scheduling_refusals_total: {
    kind: 'counter',
    help: 'Decisions with no candidate left, by the filter that removed the last one.',
    labels: ['model', 'filter'],
  },
  switchyard_scheduling_decision_duration_seconds: {
    kind: 'histogram',
    help: 'Time to filter and score the cluster view for one request.',
    labels: [],
    buckets: DECISION_BUCKETS,
  },
  switchyard_failovers_total: {
    kind: 'counter',
    help: 'Requests placed again on another node after a failure before their first token, by the error that caused it.',
    labels: ['model', 'code'],
  },
  switchyard_resumes_total: {
    kind: 'counter',
    help: 'Answers carried on by another node after a failure after their first token (resume), by the error that caused it.',
    labels: ['model', 'code'],
  },
  switchyard_inflight_requests: {
    kind: 'gauge',
    help: 'Requests this gateway replica is serving now.',
    labels: [],
  },
  switchyard_placements_total: {
    kind: 'counter',
    help: 'Requests placed, by node.',
    labels: ['node'],
  },
  switchyard_circuit_breaker_state: {
    kind: 'gauge',
    help: '1 for the state (closed, open, half_open) each node’s circuit breaker is in on this replica, 0 for the others.',
    labels: ['node', 'state'],
  },
  switchyard_circuit_breaker_trips_total: {
    kind: 'counter',
    help: 'Times a node’s circuit breaker opened on this replica.',
    labels: ['node'],
  },
  switchyard_cluster_nodes: {
    kind: 'gauge',
    help: 'Nodes in this gateway’s view, by state.',
    labels: ['state'],
  },
  switchyard_model_ready_nodes: {
    kind: 'gauge',
    help: 'Ready nodes serving each known model (0: the model has no capacity at all).',
    labels: ['model'],
  },
  switchyard_redis_up: {
    kind: 'gauge',
    help: '1 when Redis answered this gateway’s ping at scrape time.',
    labels: [],
  },
  switchyard_relay_dropped_messages_total: {
    kind: 'counter',
    help: 'Reply-channel messages dropped (orphan: request already ended; malformed).',
    labels: ['reason'],
  },
} as const satisfies Record<string, MetricDef>;

/**
 * The worker-agent's series. Every one carries `node` and `engine` (registry default labels,
 * so Prometheus process metrics too); per-model series add `model`, a model the node serves.
 * Tokens are counters: rates are Prometheus's to compute.
 */
export const WORKER_METRICS = {
  switchyard_node_info: {
    kind: 'gauge',
    help: 'Always 1: one series per model the node serves, to join other series on `node`.',
    labels: ['model', 'version'],
  },
  switchyard_node_state: {
    kind: 'gauge',
    help: '1 for the node’s current life-cycle state, 0 for the others.',
    labels: ['state'],
  },
  switchyard_engine_up: {
    kind: 'gauge',
    help: '1 when the engine’s health check passes.',
    labels: [],
  },
  switchyard_engine_health_failures_total: {
    kind: 'counter',
    help: 'Failed engine health checks, by reason.',
    labels: ['reason'],
  },
  switchyard_engine_capability_refusals_total: {
    kind: 'counter',
    help: 'Engine answers that proved a capability missing (the node stops advertising it).',
    labels: ['capability'],
  },
  switchyard_node_capability_up: {
    kind: 'gauge',
    help: '1 when the node serves the capability, 0 when it does not (absent: unknown).',
    labels: ['capability'],
  },
  switchyard_node_running_requests: {
    kind: 'gauge',
    help: 'Requests running on the engine (vllm:num_requests_running).',
    labels: [],
  },
  switchyard_node_waiting_requests: {
    kind: 'gauge',
    help: 'Requests waiting on this node: the engine’s queue plus the node’s job queue.',
    labels: [],
  },
  switchyard_node_slots: { kind: 'gauge', help: 'Slots, total and free.', labels: ['kind'] },
  switchyard_node_kv_cache_usage_ratio: {
    kind: 'gauge',
    help: 'KV-cache use, 0..1 (absent when unknown).',
    labels: [],
  },
  switchyard_node_decode_tokens_per_second: {
    kind: 'gauge',
    help: 'Measured decode speed of one sequence at recent batch sizes: the node’s per-slot capacity (absent until measured).',
    labels: [],
  },
  switchyard_node_prefill_tokens_per_second: {
    kind: 'gauge',
    help: 'Measured uncached prompt tokens processed per second of time to first token (absent until measured).',
    labels: [],
  },
  switchyard_node_prompt_tokens_total: {
    kind: 'counter',
    help: 'Prompt tokens of the requests this node ran, by model.',
    labels: ['model'],
  },
  switchyard_node_generation_tokens_total: {
    kind: 'counter',
    help: 'Tokens this node generated, by model.',
    labels: ['model'],
  },
  switchyard_node_time_to_first_token_seconds: {
    kind: 'histogram',
    help: 'Time from the node taking a job to its first token, by model.',
    labels: ['model'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_accelerator_utilization_ratio: acceleratorGauge(
    'Accelerator compute utilisation, 0..1.',
  ),
  switchyard_accelerator_memory_used_bytes: acceleratorGauge(
    'Accelerator memory in use (HBM, else device memory).',
  ),
  switchyard_accelerator_memory_total_bytes: acceleratorGauge('Accelerator memory size.'),
  switchyard_accelerator_temperature_celsius: acceleratorGauge('Accelerator temperature.'),
  switchyard_accelerator_power_watts: acceleratorGauge('Accelerator power draw.'),
  switchyard_accelerator_healthy: acceleratorGauge(
    '1 when the vendor tool reports the accelerator healthy, 0 otherwise.',
  ),
  switchyard_jobs_total: {
    kind: 'counter',
    help: 'Jobs taken, by outcome (done, error, cancelled, expired).',
    labels: ['outcome'],
  },
  switchyard_engine_errors_total: {
    kind: 'counter',
    help: 'Engine failures, by canonical code.',
    labels: ['code'],
  },
  switchyard_job_duration_seconds: {
    kind: 'histogram',
    help: 'Time from taking a job to its terminal event.',
    labels: [],
    buckets: LATENCY_BUCKETS,
  },
} as const satisfies Record<string, MetricDef>;

type Instrument<D extends MetricDef> = D extends { kind: 'counter' }
  ? Counter<string>
  : D extends { kind: 'gauge' }
    ? Gauge<string>
    : Histogram<string>;

export type MetricSet<T extends Record<string, MetricDef>> = {
  readonly [K in keyof T]: Instrument<T[K]>;
};

/**
 * Instantiates a metric table in its own registry, plus Node's process metrics under their
 * standard names (`process_cpu_seconds_total`, `nodejs_heap_size_used_bytes`, …) so stock
 * dashboards and alerts find them. `defaultLabels` go on every series (a worker's `node`).
 */
export function createMetrics<T extends Record<string, MetricDef>>(
  table: T,
  defaultLabels: Record<string, string> = {},
): { registry: Registry; metrics: MetricSet<T> } {
  const registry = new Registry();
  registry.setDefaultLabels(defaultLabels);
  collectDefaultMetrics({ register: registry });
  const metrics: Record<string, Counter<string> | Gauge<string> | Histogram<string>> = {};
  for (const [name, def] of Object.entries(table)) {
    const common = { name, help: def.help, labelNames: [...def.labels], registers: [registry] };
    metrics[name] =
      def.kind === 'counter'
        ? new Counter(common)
        : def.kind === 'gauge'
          ? new Gauge(common)
          : new Histogram({ ...common, buckets: [...def.buckets] });
  }
  return { registry, metrics: metrics as MetricSet<T> };
}
