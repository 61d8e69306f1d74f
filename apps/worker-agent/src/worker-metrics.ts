import { WORKER_METRICS, type MetricSet } from '@switchyard/telemetry';

export type WorkerMetrics = MetricSet<typeof WORKER_METRICS>;
