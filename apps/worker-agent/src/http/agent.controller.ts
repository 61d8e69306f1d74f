import {
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  Inject,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { NodeAgent } from '../node/node-agent';
import { METRICS_REGISTRY } from '../worker.tokens';

/**
 * The agent's own small HTTP surface: liveness, its node record, Prometheus metrics. Cordon
 * and uncordon answer loopback callers only (a pod's own preStop hook, an operator on the
 * host): from elsewhere node commands go through the gateway's admin API, which carries them
 * over Redis and checks the admin credential.
 */
@Controller()
export class AgentController {
  constructor(
    private readonly agent: NodeAgent,
    @Inject(METRICS_REGISTRY) private readonly registry: Registry,
  ) {}

  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /**
   * 200 while the node is ready for work, else 503 with its state: a pod readiness probe
   * (and a load balancer) sees what placement sees.
   */
  @Get('readyz')
  async readyz(@Res() reply: FastifyReply): Promise<void> {
    const { state, stateReason } = this.agent.snapshot().info;
    await reply.status(state === 'ready' ? 200 : 503).send({ state, reason: stateReason });
  }

  /** The node's current record, as gateways see it. */
  @Get('status')
  status() {
    return this.agent.snapshot();
  }

  /** Stop placing new work here; running and queued jobs finish. */
  @Post('cordon')
  @HttpCode(200)
  async cordon(@Req() request: FastifyRequest) {
    onlyLoopback(request);
    const cordoned = await this.agent.cordon();
    return { cordoned, state: this.agent.snapshot().info.state };
  }

  /** Back into service once the engine passes the warm-up check again. */
  @Post('uncordon')
  @HttpCode(200)
  async uncordon(@Req() request: FastifyRequest) {
    onlyLoopback(request);
    const uncordoned = await this.agent.uncordon();
    return { uncordoned, state: this.agent.snapshot().info.state };
  }

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metrics(): Promise<string> {
    return this.registry.metrics();
  }
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** The peer of the TCP connection, never a forwarded header (any client can write one). */
export function onlyLoopback(request: FastifyRequest): void {
  if (!LOOPBACK.test(request.raw.socket.remoteAddress ?? ''))
    throw new ForbiddenException(
      'node commands from elsewhere go through the gateway admin API (switchyard nodes …)',
    );
}
