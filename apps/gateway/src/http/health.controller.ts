import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { ClusterViewStore, JobProducer } from '@switchyard/cluster';
import { ClusterLifecycle } from '../cluster/cluster-lifecycle';
import type { GatewayMetrics } from '../gateway-metrics';
import { GATEWAY_METRICS_SET, METRICS_REGISTRY } from '../gateway.tokens';

/** Liveness, readiness and Prometheus scrape endpoints. */
@Controller()
export class HealthController {
  constructor(
    private readonly cluster: ClusterLifecycle,
    private readonly view: ClusterViewStore,
    private readonly jobs: JobProducer,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    @Inject(GATEWAY_METRICS_SET) private readonly gauges: GatewayMetrics,
  ) {}

  /** The process is up. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Redis is reachable and at least one node is ready to take work. */
  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const redis = await this.cluster.redisReachable();
    const readyNodes = this.view.nodes().filter((n) => n.info.state === 'ready').length;
    const ready = redis && readyNodes > 0;
    await reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      redis,
      redisMode: this.cluster.redisMode,
      redisTopology: this.cluster.redisTopology(),
      readyNodes,
    });
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    // The view is the source of truth; the gauge is recomputed at scrape time.
    const nodes = this.gauges.switchyard_cluster_nodes;
    nodes.reset();
    for (const n of this.view.nodes()) nodes.inc({ state: n.info.state });
    // Shared-queue depth per served model, read at scrape time (one call per model).
    const depth = this.gauges.switchyard_queued_requests;
    depth.reset();
    await Promise.all(
      [...this.view.knownModels()].map(async (model) => {
        const waiting = await this.jobs.sharedDepth(model).catch(() => undefined);
        if (waiting !== undefined) depth.set({ model }, waiting);
      }),
    );
    return this.registry.metrics();
  }
}
