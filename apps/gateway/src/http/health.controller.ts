import { Controller, Get, Header, HttpCode, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Registry } from 'prom-client';
import { ClusterViewStore } from '@switchyard/cluster';
import { ClusterLifecycle } from '../cluster/cluster-lifecycle';
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
    await reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? 'ready' : 'not ready', redis, readyNodes });
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  async metrics(): Promise<string> {
    await this.gauges.refresh();
    return this.registry.metrics();
  }
}
