import { Inject, Injectable } from '@nestjs/common';
import { ClusterViewStore } from '@switchyard/cluster';
import type { GatewayConfig } from '@switchyard/config';
import { GATEWAY_METRICS, type MetricSet } from '@switchyard/telemetry';
import { GATEWAY_CONFIG } from './gateway.tokens';

export type GatewayMetrics = MetricSet<typeof GATEWAY_METRICS>;

/** The `model` label of a model that is neither served nor catalogued. */
export const OTHER_MODEL = 'other';

/**
 * Label values from closed sets. A client names any model it likes; only a model some node
 * serves (or served since start) or the catalogue lists becomes a label value, so random
 * names cannot mint series.
 */
@Injectable()
export class MetricLabels {
  private readonly catalogued: ReadonlySet<string>;
  private readonly tenants: ReadonlySet<string>;
  /** Known models, rebuilt only when the view's node list changes (it is rebuilt per change). */
  private known: ReadonlySet<string> = new Set();
  private knownFor: unknown;

  constructor(
    private readonly view: ClusterViewStore,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.catalogued = new Set(config.models.map((m) => m.name));
    this.tenants = new Set(['anonymous', ...config.tenants.map((t) => t.name)]);
  }

  /** A configured tenant, `anonymous` (no key), or `other` (unknown keys: unbounded). */
  tenant(name: string | undefined): string {
    return this.tenants.has(name ?? 'anonymous') ? (name ?? 'anonymous') : 'other';
  }

  model(name: string): string {
    if (this.catalogued.has(name)) return name;
    const nodes = this.view.nodes();
    if (nodes !== this.knownFor) {
      this.known = this.view.knownModels();
      this.knownFor = nodes;
    }
    return this.known.has(name) ? name : OTHER_MODEL;
  }
}
