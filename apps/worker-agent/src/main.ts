import 'reflect-metadata';
import { hostname } from 'node:os';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { NodeControlServer } from '@switchyard/cluster';
import type { WorkerConfig } from '@switchyard/config';
import type { KeySpace } from '@switchyard/contracts';
import type { Logger } from 'pino';
import { NodeAgent } from './node/node-agent';
import { WorkerAgentModule } from './worker-agent.module';
import { KEY_SPACE, NODE_ID, WORKER_LOGGER } from './worker.tokens';

export interface RunningWorker {
  nodeId: string;
  url: string;
  /** SIGTERM behaviour: drain within the grace, deregister, close. */
  drain(): Promise<void>;
  /** Immediate stop (tests): deregister and close without waiting for jobs. */
  close(): Promise<void>;
}

/**
 * Starts a worker-agent beside one engine. The module's init hooks start following the
 * engine; the control channel (operator commands over Redis) and the HTTP listener (metrics,
 * status) come up, the latter's URL going into the node record; then the agent registers and
 * heartbeats.
 *
 * No `enableShutdownHooks()`: the process's signals belong to the caller (the CLI drains
 * on SIGTERM through `drain()`), and a second, Nest-driven shutdown would race it.
 */
export async function startWorker(config: WorkerConfig): Promise<RunningWorker> {
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerAgentModule.forConfig(config),
    new FastifyAdapter(),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  let url: string;
  let agent: NodeAgent;
  try {
    // A hybrid app: HTTP for metrics and status, and the node's control channel on Redis.
    const log = app.get<symbol, Logger>(WORKER_LOGGER);
    app.connectMicroservice(
      {
        strategy: new NodeControlServer(
          config.redisUrl,
          app.get<symbol, KeySpace>(KEY_SPACE),
          app.get<symbol, string>(NODE_ID),
          (err) => log.warn({ err: err.message }, 'control channel: redis connection error'),
        ),
      },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
    await app.listen(config.port, config.host);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    url = config.advertiseUrl?.replace(/\/+$/, '') ?? listenUrl(config.host, port);
    agent = app.get(NodeAgent);
    await agent.register(url);
  } catch (err) {
    // Half started: its timers and connections would keep the process alive.
    await app.close().catch(() => undefined);
    throw err;
  }
  app
    .get<symbol, Logger>(WORKER_LOGGER)
    .info({ engine: config.engine, agentUrl: url }, 'worker-agent started');

  let stopped: Promise<void> | undefined;
  const stop = async (how: 'drain' | 'close'): Promise<void> => {
    try {
      if (how === 'drain') await agent.drain();
    } finally {
      // Its shutdown hooks stop the agent (a no-op once drained), then the engine and Redis.
      await app.close();
    }
  };
  const once = (how: 'drain' | 'close') => (stopped ??= stop(how));
  return { nodeId: agent.nodeId, url, drain: () => once('drain'), close: () => once('close') };
}

/** Where others reach a listener: a wildcard address means "this host", so name it. */
function listenUrl(host: string, port: number): string {
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  const name = wildcard ? hostname() : host.includes(':') ? `[${host}]` : host;
  return `http://${name}:${port}`;
}
