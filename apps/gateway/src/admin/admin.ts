import type { Provider, Type } from '@nestjs/common';
import { NodeControlClient, QueueInspector, RegistryRepository } from '@switchyard/cluster';
import type { GatewayConfig } from '@switchyard/config';
import type { KeySpace } from '@switchyard/contracts';
import type Redis from 'ioredis';
import { KEY_SPACE, REDIS } from '../cluster/cluster.providers';
import { GATEWAY_CONFIG, GATEWAY_ID } from '../gateway.tokens';
import { AdminGuard } from './admin.guard';
import { FleetPageController } from './fleet-page.controller';
import { FleetController } from './fleet.controller';
import { FleetService } from './fleet.service';
import { PrometheusSdController } from './prometheus-sd.controller';

/*
 * The admin API (`/admin/v1/…`) and the fleet page (`/ui`). A new admin controller is one
 * more row in ADMIN_CONTROLLERS, decorated `@UseGuards(AdminGuard)` and
 * `@UseFilters(AdminErrorFilter)` like FleetController; GatewayModule mounts both lists.
 */

export const ADMIN_CONTROLLERS: Type[] = [
  FleetController,
  FleetPageController,
  // Not guarded yet: Prometheus scrapes it from outside loopback, and prometheus.yml sends no
  // credential. When an admin key is required everywhere, it gets the guard and the config an
  // `authorization` block.
  PrometheusSdController,
];

export const ADMIN_PROVIDERS: Provider[] = [
  AdminGuard,
  FleetService,
  {
    // Heartbeat ages on Redis's clock, for the fleet view.
    provide: RegistryRepository,
    useFactory: (config: GatewayConfig, redis: Redis, keys: KeySpace) =>
      new RegistryRepository(redis, keys, { aliveTtlMs: config.staleAfterMs }),
    inject: [GATEWAY_CONFIG, REDIS, KEY_SPACE],
  },
  {
    provide: QueueInspector,
    useFactory: (redis: Redis, keys: KeySpace) => new QueueInspector(redis, keys),
    inject: [REDIS, KEY_SPACE],
  },
  {
    // Node commands over the control plane; FleetService closes it.
    provide: NodeControlClient,
    useFactory: (config: GatewayConfig, keys: KeySpace, gatewayId: string) =>
      new NodeControlClient(config.redisUrl, keys, gatewayId),
    inject: [GATEWAY_CONFIG, KEY_SPACE, GATEWAY_ID],
  },
];
