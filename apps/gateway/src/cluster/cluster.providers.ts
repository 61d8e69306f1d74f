import { Logger, type Provider } from '@nestjs/common';
import {
  CancelSender,
  ClusterViewStore,
  JobProducer,
  RegistryRepository,
  ReplyHub,
  TenantTurns,
  createRedis,
} from '@switchyard/cluster';
import { keySpace, type KeySpace } from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import type Redis from 'ioredis';
import { GATEWAY_CONFIG, GATEWAY_ID } from '../gateway.tokens';

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

function connection(role: string, subscriber: boolean) {
  return (config: GatewayConfig, gatewayId: string): Redis => {
    const redis = createRedis(config.redisUrl, { name: `${gatewayId}:${role}`, subscriber });
    redis.on('error', (err: Error) => log.warn(`redis (${role}): ${err.message}`));
    return redis;
  };
}

/**
 * One provider per Redis-backed client, so each service asks for exactly what it uses and a
 * test can swap any one of them. `ClusterLifecycle` starts and closes them in order.
 */
export const CLUSTER_PROVIDERS: Provider[] = [
  {
    provide: KEY_SPACE,
    useFactory: (config: GatewayConfig) => keySpace(config.keyPrefix),
    inject: [GATEWAY_CONFIG],
  },
  {
    provide: REDIS,
    useFactory: connection('commands', false),
    inject: [GATEWAY_CONFIG, GATEWAY_ID],
  },
  {
    provide: REGISTRY_SUBSCRIBER,
    useFactory: connection('registry', true),
    inject: [GATEWAY_CONFIG, GATEWAY_ID],
  },
  {
    provide: REPLY_SUBSCRIBER,
    useFactory: connection('replies', true),
    inject: [GATEWAY_CONFIG, GATEWAY_ID],
  },
  {
    provide: REPLY_CHANNEL,
    useFactory: (keys: KeySpace, gatewayId: string) => keys.replyChannel(gatewayId),
    inject: [KEY_SPACE, GATEWAY_ID],
  },
  {
    provide: ClusterViewStore,
    useFactory: (config: GatewayConfig, redis: Redis, subscriber: Redis, keys: KeySpace) =>
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
    useFactory: (redis: Redis, keys: KeySpace) =>
      new JobProducer(redis, keys, { onError: (err) => log.warn(`job queue: ${err.message}`) }),
    inject: [REDIS, KEY_SPACE],
  },
  {
    provide: ReplyHub,
    useFactory: (subscriber: Redis, channel: string) => new ReplyHub(subscriber, channel),
    inject: [REPLY_SUBSCRIBER, REPLY_CHANNEL],
  },
  {
    provide: CancelSender,
    useFactory: (redis: Redis, keys: KeySpace) => new CancelSender(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
  {
    provide: TenantTurns,
    useFactory: (redis: Redis, keys: KeySpace) => new TenantTurns(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
];
