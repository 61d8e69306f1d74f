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

/** Per-device accelerator gauges share one label set: the device as the vendor tool numbers it. */
const acceleratorGauge = (help: string) =>
  ({ kind: 'gauge', help, labels: ['kind', 'device', 'chip', 'name'] }) as const;

export const GATEWAY_METRICS = {
  switchyard_requests_total: {
    kind: 'counter',
    help: 'Inference requests by dialect, model and outcome (ok, client_error, rejected, failed, cancelled).',
    labels: ['dialect', 'model', 'outcome'],
  },
  switchyard_request_duration_seconds: {
    kind: 'histogram',
    help: 'Time from request arrival to the last byte sent.',
    labels: ['dialect', 'stream'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_time_to_first_token_seconds: {
    kind: 'histogram',
    help: 'Time from request arrival to the first generated token relayed.',
    labels: ['dialect'],
    buckets: LATENCY_BUCKETS,
  },
  switchyard_queue_wait_seconds: {
    kind: 'histogram',
    help: 'Time from enqueue to a node starting the request, by queue (node: placed directly; shared: waited for a free slot) and priority class.',
    labels: ['queue', 'priority'],
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
  switchyard_replacements_total: {
    kind: 'counter',
    help: 'Requests placed again because their node died before the first token.',
    labels: [],
  },
  switchyard_cluster_nodes: {
    kind: 'gauge',
    help: 'Nodes in this gateway’s view, by state.',
    labels: ['state'],
  },
  switchyard_relay_dropped_messages_total: {
    kind: 'counter',
    help: 'Reply-channel messages dropped (orphan: request already ended; malformed).',
    labels: ['reason'],
  },
} as const satisfies Record<string, MetricDef>;

export const WORKER_METRICS = {
  switchyard_node_state: {
    kind: 'gauge',
    help: '1 for the node’s current life-cycle state, 0 for the others.',
    labels: ['state'],
  },
  switchyard_engine_up: {
    kind: 'gauge',
    help: '1 when the engine’s health check passes.',
    labels: ['engine'],
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
    help: 'Requests running on the engine.',
    labels: [],
  },
  switchyard_node_waiting_requests: {
    kind: 'gauge',
    help: 'Requests waiting on this node.',
    labels: [],
  },
  switchyard_node_slots: { kind: 'gauge', help: 'Slots, total and free.', labels: ['kind'] },
  switchyard_node_kv_cache_usage_ratio: {
    kind: 'gauge',
    help: 'KV-cache use, 0..1 (absent when unknown).',
    labels: [],
  },
  switchyard_node_generation_tokens_per_second: {
    kind: 'gauge',
    help: 'Generation throughput over the recent window.',
    labels: [],
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

/** Instantiates a metric table in its own registry (plus Node process metrics). */
export function createMetrics<T extends Record<string, MetricDef>>(
  table: T,
): { registry: Registry; metrics: MetricSet<T> } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchyard_process_' });
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
