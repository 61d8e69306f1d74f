import type { NodeLoad, NodeState } from '@switchyard/contracts';
import type { WorkerMetrics } from '../worker-metrics';

const STATES = [
  'joining',
  'warming',
  'ready',
  'cordoned',
  'draining',
  'gone',
] as const satisfies readonly NodeState[];

/** One `switchyard_node_state` series per life-cycle state: 1 for the current one, else 0. */
export function exportNodeState(metrics: WorkerMetrics, state: NodeState): void {
  for (const s of STATES) metrics.switchyard_node_state.set({ state: s }, s === state ? 1 : 0);
}

/** The node's load on its gauges; KV cache usage only when the engine reports it. */
export function exportNodeLoad(metrics: WorkerMetrics, load: NodeLoad, slots: number): void {
  metrics.switchyard_node_running_requests.set(load.running);
  metrics.switchyard_node_waiting_requests.set(load.waiting);
  metrics.switchyard_node_slots.set({ kind: 'total' }, slots);
  metrics.switchyard_node_slots.set({ kind: 'free' }, load.slotsFree);
  if (load.kvCacheUsage !== null)
    metrics.switchyard_node_kv_cache_usage_ratio.set(load.kvCacheUsage);
  if (load.decodeTokensPerSecond != null)
    metrics.switchyard_node_decode_tokens_per_second.set(load.decodeTokensPerSecond);
  if (load.prefillTokensPerSecond != null)
    metrics.switchyard_node_prefill_tokens_per_second.set(load.prefillTokensPerSecond);
}

/** One `switchyard_node_info` series per served model, for joins on `node`. */
export function exportNodeInfo(metrics: WorkerMetrics, models: readonly string[], version: string) {
  metrics.switchyard_node_info.reset();
  for (const model of models) metrics.switchyard_node_info.set({ model, version }, 1);
}
