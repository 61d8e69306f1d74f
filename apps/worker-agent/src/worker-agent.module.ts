import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { RegistryRepository, createRedis } from '@switchyard/cluster';
import { keySpace, type KeySpace } from '@switchyard/contracts';
import type { WorkerConfig } from '@switchyard/config';
import { getEngineAdapter, type EngineAdapter } from '@switchyard/engines';
import { WORKER_METRICS, createLogger, createMetrics } from '@switchyard/telemetry';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { engineApiKey } from './engine/engine-credentials';
import { EngineClient } from './engine/engine.client';
import { AgentController } from './http/agent.controller';
import { NodeAgent } from './node/node-agent';
import {
  ENGINE_ADAPTER,
  KEY_SPACE,
  METRICS_REGISTRY,
  NODE_ID,
  REDIS_COMMANDS,
  REDIS_SUBSCRIBER,
  WORKER_CONFIG,
  WORKER_LOGGER,
  WORKER_METRICS_SET,
} from './worker.tokens';

function defaultNodeId(config: WorkerConfig): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '');
  return `${config.engine}-${host}-${randomBytes(3).toString('hex')}`;
}

/** A connection whose errors are logged, not thrown (ioredis reconnects by itself). */
function redisProvider(token: symbol, role: 'commands' | 'cancels'): FactoryProvider<Redis> {
  return {
    provide: token,
    useFactory: (config: WorkerConfig, nodeId: string, log: Logger): Redis => {
      const connection = createRedis(config.redisUrl, {
        name: `${nodeId}:${role}`,
        ...(role === 'cancels' ? { subscriber: true } : {}),
      });
      connection.on('error', (err: Error) =>
        log.warn({ err: err.message }, 'redis connection error'),
      );
      return connection;
    },
    inject: [WORKER_CONFIG, NODE_ID, WORKER_LOGGER],
  };
}

/**
 * One worker-agent beside one engine. The module owns what its factories open: the engine
 * client's pools and both Redis connections close in `onApplicationShutdown`, after the
 * agent has drained or stopped (`beforeApplicationShutdown`) and the HTTP listener closed.
 */
@Module({})
export class WorkerAgentModule implements OnApplicationShutdown {
  constructor(
    private readonly engine: EngineClient,
    @Inject(REDIS_COMMANDS) private readonly redis: Redis,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: Redis,
  ) {}

  static forConfig(config: WorkerConfig): DynamicModule {
    const nodeId = config.nodeId ?? defaultNodeId(config);
    const { registry, metrics } = createMetrics(WORKER_METRICS);
    return {
      module: WorkerAgentModule,
      controllers: [AgentController],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: NODE_ID, useValue: nodeId },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: WORKER_METRICS_SET, useValue: metrics },
        { provide: WORKER_LOGGER, useValue: createLogger(`worker:${nodeId}`, config.logLevel) },
        { provide: ENGINE_ADAPTER, useValue: getEngineAdapter(config.engine) },
        { provide: KEY_SPACE, useValue: keySpace(config.keyPrefix) },
        {
          provide: EngineClient,
          useFactory: (adapter: EngineAdapter) =>
            new EngineClient(
              {
                inference: config.engineUrl,
                ...(config.engineManagementUrl ? { management: config.engineManagementUrl } : {}),
                ...(config.engineMetricsUrl ? { metrics: config.engineMetricsUrl } : {}),
              },
              adapter,
              withApiKey(engineApiKey(config)),
            ),
          inject: [ENGINE_ADAPTER],
        },
        redisProvider(REDIS_COMMANDS, 'commands'),
        redisProvider(REDIS_SUBSCRIBER, 'cancels'),
        {
          provide: RegistryRepository,
          useFactory: (redis: Redis, keys: KeySpace) =>
            new RegistryRepository(redis, keys, { aliveTtlMs: config.aliveTtlMs }),
          inject: [REDIS_COMMANDS, KEY_SPACE],
        },
        NodeAgent,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
    await Promise.allSettled([this.redis.quit(), this.subscriber.quit()]);
  }
}

function withApiKey(apiKey: string | undefined): { apiKey?: string } {
  return apiKey !== undefined ? { apiKey } : {};
}
