import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { GatewayConfig } from '@switchyard/config';
import { GATEWAY_METRICS, createMetrics, nestLoggerModule } from '@switchyard/telemetry';
import { ADMIN_CONTROLLERS, ADMIN_PROVIDERS } from './admin/admin';
import { ClusterLifecycle } from './cluster/cluster-lifecycle';
import { CLUSTER_PROVIDERS } from './cluster/cluster.providers';
import {
  GATEWAY_CONFIG,
  GATEWAY_ID,
  GATEWAY_METRICS_SET,
  METRICS_REGISTRY,
} from './gateway.tokens';
import { ErrorSinkFilter } from './http/error-sink.filter';
import { GatewayDrain } from './http/gateway-drain';
import { HealthController } from './http/health.controller';
import { ScrapeGauges } from './http/scrape-gauges';
import { ExecutionService } from './inference/execution/execution.service';
import { InferencePipeline } from './inference/inference.pipeline';
import { InferenceRouter } from './inference/inference.router';
import { PlacementService } from './inference/placement/placement.service';
import { ModelCatalogService } from './models/model-catalog.service';
import { MetricLabels } from './gateway-metrics';
import { KeysController } from './tenancy/keys.controller';
import { TENANCY_PROVIDERS } from './tenancy/tenancy.providers';
import { Tenancy } from './tenancy/tenancy.service';
import { TenantsController } from './tenancy/tenants.controller';
import { UsageController } from './tenancy/usage.controller';

@Module({})
export class GatewayModule {
  static forConfig(config: GatewayConfig): DynamicModule {
    const gatewayId =
      config.gatewayId ??
      `gw-${hostname().replace(/[^A-Za-z0-9._-]/g, '')}-${randomBytes(4).toString('hex')}`;
    const { registry, metrics } = createMetrics(GATEWAY_METRICS);
    return {
      module: GatewayModule,
      imports: [nestLoggerModule('gateway', config.logLevel, config.logFormat)],
      controllers: [
        HealthController,
        ...ADMIN_CONTROLLERS,
        KeysController,
        TenantsController,
        UsageController,
      ],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: GATEWAY_ID, useValue: gatewayId },
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: GATEWAY_METRICS_SET, useValue: metrics },
        { provide: APP_FILTER, useClass: ErrorSinkFilter },
        ...CLUSTER_PROVIDERS,
        ClusterLifecycle,
        GatewayDrain,
        MetricLabels,
        ScrapeGauges,
        ModelCatalogService,
        PlacementService,
        ExecutionService,
        ...TENANCY_PROVIDERS,
        Tenancy,
        InferencePipeline,
        InferenceRouter,
        ...ADMIN_PROVIDERS,
      ],
    };
  }
}
