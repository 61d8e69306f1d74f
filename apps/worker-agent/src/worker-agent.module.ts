import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Module,
  type DynamicModule,
  type FactoryProvider,
  type OnApplicationShutdown,
} from '@nestjs/common';
import {
  ErrorThrottle,
  RegistryRepository,
  closeRedis,
  connectRedis,
  type RedisClient,
  type RedisConnector,
} from '@switchyard/cluster';
import { keySpace, type KeySpace } from '@switchyard/contracts';
import type { WorkerConfig } from '@switchyard/config';
import { getEngineAdapter, type EngineAdapter } from '@switchyard/engines';
import { WORKER_METRICS, createLogger, createMetrics } from '@switchyard/telemetry';
import type { Logger } from 'pino';
import { engineApiKey } from './engine/engine-credentials';
import { EngineClient } from './engine/engine.client';
import { NodeControlController } from './control/node-control.controller';
import { AgentController } from './http/agent.controller';
import { NodeAgent } from './node/node-agent';
import {
  ENGINE_ADAPTER,
  KEY_SPACE,
  METRICS_REGISTRY,
  NODE_ID,
  REDIS_COMMANDS,
  REDIS_CONNECTOR,
  REDIS_SUBSCRIBER,
  WORKER_CONFIG,
  WORKER_LOGGER,
  WORKER_METRICS_SET,
} from './worker.tokens';

function defaultNodeId(config: WorkerConfig): string {
  const host = hostname().replace(/[^A-Za-z0-9._-]/g, '');
  return `${config.engine}-${host}-${randomBytes(3).toString('hex')}`;
}

/** How often one distinct connection error is logged per connection. */
const ERROR_LOG_INTERVAL_MS = 5000;

/** Finds the Redis mode once at boot (a single node may turn out to be a cluster member). */
const connectorProvider: FactoryProvider<Promise<RedisConnector>> = {
  provide: REDIS_CONNECTOR,
  useFactory: async (config: WorkerConfig, log: Logger): Promise<RedisConnector> => {
    const connector = await connectRedis(config.redisUrl, {
      onWait: (problem) => log.warn({ err: problem }, 'waiting for Redis'),
    });
    log.info({ redis: connector.describe() }, 'redis mode');
    return connector;
  },
  inject: [WORKER_CONFIG, WORKER_LOGGER],
};

/** A connection whose errors are logged (throttled), not thrown (ioredis reconnects by itself). */
function redisProvider(token: symbol, role: 'commands' | 'cancels'): FactoryProvider<RedisClient> {
  return {
    provide: token,
    useFactory: (connector: RedisConnector, nodeId: string, log: Logger): RedisClient => {
      const connection = connector.create({
        name: `${nodeId}:${role}`,
        ...(role === 'cancels' ? { subscriber: true } : {}),
      });
      const errors = new ErrorThrottle(
        (err, suppressed) => log.warn({ err: err.message, suppressed }, 'redis connection error'),
        ERROR_LOG_INTERVAL_MS,
      );
      connection.on('error', errors.report);
      return connection;
    },
    inject: [REDIS_CONNECTOR, NODE_ID, WORKER_LOGGER],
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
    @Inject(REDIS_COMMANDS) private readonly redis: RedisClient,
    @Inject(REDIS_SUBSCRIBER) private readonly subscriber: RedisClient,
  ) {}

  static forConfig(config: WorkerConfig): DynamicModule {
    const nodeId = config.nodeId ?? defaultNodeId(config);
    // Every series names its node, so one Prometheus query can tell nodes apart however scraped.
    const { registry, metrics } = createMetrics(WORKER_METRICS, {
      node: nodeId,
      engine: config.engine,
    });
    return {
      module: WorkerAgentModule,
      controllers: [AgentController, NodeControlController],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: NODE_ID, useValue: nodeId },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: WORKER_METRICS_SET, useValue: metrics },
        {
          provide: WORKER_LOGGER,
          useValue: createLogger(`worker:${nodeId}`, config.logLevel, config.logFormat),
        },
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
        connectorProvider,
        redisProvider(REDIS_COMMANDS, 'commands'),
        redisProvider(REDIS_SUBSCRIBER, 'cancels'),
        {
          provide: RegistryRepository,
          useFactory: (redis: RedisClient, keys: KeySpace) =>
            new RegistryRepository(redis, keys, { aliveTtlMs: config.aliveTtlMs }),
          inject: [REDIS_COMMANDS, KEY_SPACE],
        },
        NodeAgent,
      ],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.engine.close();
    // closeRedis, not quit(): a Sentinel client's failover detector keeps a socket open past quit().
    await Promise.allSettled([closeRedis(this.redis), closeRedis(this.subscriber)]);
  }
}

function withApiKey(apiKey: string | undefined): { apiKey?: string } {
  return apiKey !== undefined ? { apiKey } : {};
}
