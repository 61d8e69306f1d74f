import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { ClusterViewStore } from '@switchyard/cluster';
import { ClusterLifecycle } from '../cluster/cluster-lifecycle';
import { GatewayDrain } from './gateway-drain';
import { METRICS_REGISTRY } from '../gateway.tokens';
import { ScrapeGauges } from './scrape-gauges';

/** Liveness, readiness and Prometheus scrape endpoints. */
@Controller()
export class HealthController {
  constructor(
    private readonly cluster: ClusterLifecycle,
    private readonly view: ClusterViewStore,
    private readonly gauges: ScrapeGauges,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
    private readonly drain: GatewayDrain,
  ) {}

  /** The process is up. */
  @Get('healthz')
  @HttpCode(200)
  healthz() {
    return { status: 'ok' };
  }

  /** Redis is reachable, at least one node is ready to take work, and the gateway is not stopping. */
  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const redis = await this.cluster.redisReachable();
    const readyNodes = this.view.nodes().filter((n) => n.info.state === 'ready').length;
    const draining = this.drain.isDraining;
    const reason = notReadyReason(redis, readyNodes, draining);
    const ready = reason === undefined;
    await reply.status(ready ? 200 : 503).send({
      status: ready ? 'ready' : 'not ready',
      redis,
      redisMode: this.cluster.redisMode,
      redisTopology: this.cluster.redisTopology(),
      readyNodes,
      draining,
      reason,
    });
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    await this.gauges.refresh();
    return this.registry.metrics();
  }
}

function notReadyReason(redis: boolean, readyNodes: number, draining: boolean): string | undefined {
  if (draining) return 'draining: this gateway is shutting down';
  if (!redis) return 'redis unreachable';
  if (readyNodes === 0) return 'no ready node';
  return undefined;
}
