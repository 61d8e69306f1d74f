import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { WorkerConfig } from '@switchyard/config';
import { getEngineAdapter } from '@switchyard/engines';
import { WORKER_METRICS, createLogger, createMetrics } from '@switchyard/telemetry';
import { EngineClient } from './engine/engine.client';
import { AgentController } from './http/agent.controller';
import { NodeAgent } from './node/node-agent';
import { METRICS_REGISTRY } from './worker.tokens';

export interface RunningWorker {
  nodeId: string;
  url: string;
  /** SIGTERM behaviour: drain within the grace, deregister, close. */
  drain(): Promise<void>;
  /** Immediate stop (tests): deregister and close without waiting for jobs. */
  close(): Promise<void>;
}

/**
 * Starts a worker-agent beside one engine. The HTTP listener (metrics, status) comes up
 * first so its URL can go into the node record; then the agent registers and heartbeats.
 */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const nodeId =
    config.nodeId ??
    `${config.engine}-${hostname().replace(/[^A-Za-z0-9._-]/g, '')}-${randomBytes(3).toString('hex')}`;
  const log = createLogger(`worker:${nodeId}`, config.logLevel);
  const adapter = getEngineAdapter(config.engine);
  const engine = new EngineClient(
    {
      inference: config.engineUrl,
      ...(config.engineManagementUrl ? { management: config.engineManagementUrl } : {}),
      ...(config.engineMetricsUrl ? { metrics: config.engineMetricsUrl } : {}),
    },
    adapter,
  );
  const { registry, metrics } = createMetrics(WORKER_METRICS);

  const agent = new NodeAgent(config, nodeId, engine, adapter, metrics, log);
  @Module({
    controllers: [AgentController],
    providers: [
      { provide: METRICS_REGISTRY, useValue: registry },
      { provide: NodeAgent, useValue: agent },
    ],
  })
  class WorkerModule {}

  const app = await NestFactory.create<NestFastifyApplication>(WorkerModule, new FastifyAdapter(), {
    logger: ['error', 'warn'],
  });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address();
  const url = `http://${config.host}:${typeof address === 'object' && address ? address.port : config.port}`;
  agent.setAgentUrl(url);
  await agent.start();
  log.info({ engine: config.engine, agentUrl: url }, 'worker-agent started');

  const stop = async (how: 'drain' | 'close') => {
    await (how === 'drain' ? agent.drain() : agent.close());
    await engine.close();
    await app.close();
  };
  return { nodeId, url, drain: () => stop('drain'), close: () => stop('close') };
}
