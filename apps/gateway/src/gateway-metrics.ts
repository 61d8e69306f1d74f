import { GATEWAY_METRICS, type MetricSet } from '@switchyard/telemetry';

export type GatewayMetrics = MetricSet<typeof GATEWAY_METRICS>;
