import { Logger, type Provider } from '@nestjs/common';
import {
  CancelSender,
  ClusterViewStore,
  JobProducer,
  RegistryRepository,
  ReplyHub,
  TenantTurns,
  ErrorThrottle,
  connectRedis,
  type RedisClient,
  type RedisConnector,
} from '@switchyard/cluster';
import { keySpace, type KeySpace } from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import { GATEWAY_CONFIG, GATEWAY_ID } from '../gateway.tokens';

/** The process's Redis connection factory, in the mode (single, cluster, sentinel) found at boot. */
export const REDIS_CONNECTOR = Symbol('REDIS_CONNECTOR');
/** The key space every Redis name comes from. */
export const KEY_SPACE = Symbol('KEY_SPACE');
/** The connection for commands and scripts (never blocks, never subscribes). */
export const REDIS = Symbol('REDIS');
/** The subscriber connection of the registry's events channel. */
export const REGISTRY_SUBSCRIBER = Symbol('REGISTRY_SUBSCRIBER');
/** The subscriber connection of this replica's reply channel. */
export const REPLY_SUBSCRIBER = Symbol('REPLY_SUBSCRIBER');
/** This replica's reply channel name (workers publish its requests' events there). */
export const REPLY_CHANNEL = Symbol('REPLY_CHANNEL');

const log = new Logger('Redis');

/** How often one distinct connection error is logged per connection. */
const ERROR_LOG_INTERVAL_MS = 5000;

function connection(role: string, subscriber: boolean) {
  return (connector: RedisConnector, gatewayId: string): RedisClient => {
    const redis = connector.create({ name: `${gatewayId}:${role}`, subscriber });
    const errors = new ErrorThrottle(
      (err, suppressed) =>
        log.warn(`redis (${role}): ${err.message}${suppressed ? ` (+${suppressed} like it)` : ''}`),
      ERROR_LOG_INTERVAL_MS,
    );
    redis.on('error', errors.report);
    return redis;
  };
}

/**
 * One provider per Redis-backed client, so each service asks for exactly what it uses and a
 * test can swap any one of them. `ClusterLifecycle` starts and closes them in order.
 */
export const CLUSTER_PROVIDERS: Provider[] = [
  {
    provide: REDIS_CONNECTOR,
    useFactory: async (config: GatewayConfig): Promise<RedisConnector> => {
      const connector = await connectRedis(config.redisUrl, {
        onWait: (problem) => log.warn(`waiting for Redis: ${problem}`),
      });
      log.log(`redis mode: ${connector.describe()}`);
      return connector;
    },
    inject: [GATEWAY_CONFIG],
  },
  {
    provide: KEY_SPACE,
    useFactory: (config: GatewayConfig) => keySpace(config.keyPrefix),
    inject: [GATEWAY_CONFIG],
  },
  {
    provide: REDIS,
    useFactory: connection('commands', false),
    inject: [REDIS_CONNECTOR, GATEWAY_ID],
  },
  {
    provide: REGISTRY_SUBSCRIBER,
    useFactory: connection('registry', true),
    inject: [REDIS_CONNECTOR, GATEWAY_ID],
  },
  {
    provide: REPLY_SUBSCRIBER,
    useFactory: connection('replies', true),
    inject: [REDIS_CONNECTOR, GATEWAY_ID],
  },
  {
    provide: REPLY_CHANNEL,
    useFactory: (keys: KeySpace, gatewayId: string) => keys.replyChannel(gatewayId),
    inject: [KEY_SPACE, GATEWAY_ID],
  },
  {
    provide: ClusterViewStore,
    useFactory: (
      config: GatewayConfig,
      redis: RedisClient,
      subscriber: RedisClient,
      keys: KeySpace,
    ) =>
      new ClusterViewStore(
        subscriber,
        new RegistryRepository(redis, keys, { aliveTtlMs: config.staleAfterMs }),
        keys,
        { staleAfterMs: config.staleAfterMs, resyncIntervalMs: config.resyncIntervalMs },
      ),
    inject: [GATEWAY_CONFIG, REDIS, REGISTRY_SUBSCRIBER, KEY_SPACE],
  },
  {
    provide: JobProducer,
    useFactory: (redis: RedisClient, keys: KeySpace) =>
      new JobProducer(redis, keys, {
        onError: new ErrorThrottle((err, suppressed) =>
          log.warn(`job queue: ${err.message}${suppressed ? ` (+${suppressed} like it)` : ''}`),
        ).report,
      }),
    inject: [REDIS, KEY_SPACE],
  },
  {
    provide: ReplyHub,
    useFactory: (subscriber: RedisClient, channel: string) => new ReplyHub(subscriber, channel),
    inject: [REPLY_SUBSCRIBER, REPLY_CHANNEL],
  },
  {
    provide: CancelSender,
    useFactory: (redis: RedisClient, keys: KeySpace) => new CancelSender(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
  {
    provide: TenantTurns,
    useFactory: (redis: RedisClient, keys: KeySpace) => new TenantTurns(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
];
