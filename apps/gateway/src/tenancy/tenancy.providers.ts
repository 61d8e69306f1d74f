import { Logger, type Provider } from '@nestjs/common';
import type { RedisClient as Redis, RedisConnector } from '@switchyard/cluster';
import type { GatewayConfig } from '@switchyard/config';
import type { KeySpace } from '@switchyard/contracts';
import { KEY_SPACE, REDIS, REDIS_CONNECTOR } from '../cluster/cluster.providers';
import { GATEWAY_CONFIG, GATEWAY_ID } from '../gateway.tokens';
import { ApiKeyRepository } from './api-key.repository';
import { KeyDirectory } from './key-directory';
import { KeyLimiter } from './key-limits';
import { UsageRepository } from './usage.repository';

/** The subscriber connection of the API key change channel. */
export const TENANCY_SUBSCRIBER = Symbol('TENANCY_SUBSCRIBER');

const log = new Logger('Redis');

/** A concurrency slot outlives its request's deadline by this much before Redis frees it. */
const SLOT_MARGIN_MS = 60_000;

export const TENANCY_PROVIDERS: Provider[] = [
  {
    provide: TENANCY_SUBSCRIBER,
    // The gateway's own connector, so key events follow the same Redis mode (cluster, sentinel).
    useFactory: (connector: RedisConnector, gatewayId: string): Redis => {
      const redis = connector.create({ name: `${gatewayId}:keys`, subscriber: true });
      redis.on('error', (err: Error) => log.warn(`redis (keys): ${err.message}`));
      return redis;
    },
    inject: [REDIS_CONNECTOR, GATEWAY_ID],
  },
  {
    provide: ApiKeyRepository,
    useFactory: (redis: Redis, keys: KeySpace) => new ApiKeyRepository(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
  {
    provide: KeyDirectory,
    useFactory: (config: GatewayConfig, repository: ApiKeyRepository) =>
      new KeyDirectory(config.tenants, repository, config.keyCacheTtlMs),
    inject: [GATEWAY_CONFIG, ApiKeyRepository],
  },
  {
    provide: KeyLimiter,
    useFactory: (config: GatewayConfig, redis: Redis, keys: KeySpace) =>
      new KeyLimiter(redis, keys, config.requestTimeoutMs + SLOT_MARGIN_MS),
    inject: [GATEWAY_CONFIG, REDIS, KEY_SPACE],
  },
  {
    provide: UsageRepository,
    useFactory: (redis: Redis, keys: KeySpace) => new UsageRepository(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
];
