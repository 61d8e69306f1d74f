import { Inject, Injectable } from '@nestjs/common';
import { ClusterViewStore, JobProducer } from '@switchyard/cluster';
import { ClusterLifecycle } from '../cluster/cluster-lifecycle';
import type { GatewayMetrics } from '../gateway-metrics';
import { GATEWAY_METRICS_SET } from '../gateway.tokens';
import { PlacementService } from '../inference/placement/placement.service';

const BREAKER_STATES = ['closed', 'open', 'half_open'] as const;

/**
 * Gauges whose truth lives elsewhere (the cluster view, Redis, the circuit breakers), set
 * at scrape time rather than kept in step. Series of nodes and models that left the view
 * disappear with them.
 */
@Injectable()
export class ScrapeGauges {
  constructor(
    private readonly cluster: ClusterLifecycle,
    private readonly view: ClusterViewStore,
    private readonly jobs: JobProducer,
    private readonly placement: PlacementService,
    @Inject(GATEWAY_METRICS_SET) private readonly metrics: GatewayMetrics,
  ) {}

  async refresh(): Promise<void> {
    const m = this.metrics;
    const nodes = this.view.nodes();
    const models = [...this.view.knownModels()];
    m.switchyard_cluster_nodes.reset();
    m.switchyard_model_ready_nodes.reset();
    m.switchyard_circuit_breaker_state.reset();
    for (const model of models) m.switchyard_model_ready_nodes.set({ model }, 0);
    for (const n of nodes) {
      m.switchyard_cluster_nodes.inc({ state: n.info.state });
      if (n.info.state === 'ready')
        for (const model of n.info.models) m.switchyard_model_ready_nodes.inc({ model });
      const breaker = this.placement.circuitState(n.info.id)?.replace('-', '_');
      if (breaker === undefined) continue;
      for (const state of BREAKER_STATES)
        m.switchyard_circuit_breaker_state.set({ node: n.info.id, state }, +(state === breaker));
    }
    const [redisUp] = await Promise.all([this.cluster.redisReachable(), this.queueDepths(models)]);
    m.switchyard_redis_up.set(redisUp ? 1 : 0);
  }

  /** Shared-queue depth per known model (one call per model); unknown while Redis is away. */
  private async queueDepths(models: readonly string[]): Promise<void> {
    const depth = this.metrics.switchyard_queued_requests;
    depth.reset();
    await Promise.all(
      models.map(async (model) => {
        const waiting = await this.jobs.sharedDepth(model).catch(() => undefined);
        if (waiting !== undefined) depth.set({ model }, waiting);
      }),
    );
  }
}
