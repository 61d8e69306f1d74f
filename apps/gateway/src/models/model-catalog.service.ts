import { Inject, Injectable } from '@nestjs/common';
import type { GatewayConfig } from '@switchyard/config';
import { ClusterViewStore } from '@switchyard/cluster';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { CatalogSnapshot } from './model-catalog';

/** The catalogue as of now: configuration merged with the live cluster view. */
@Injectable()
export class ModelCatalogService {
  constructor(
    private readonly view: ClusterViewStore,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Built per call from the in-memory view (O(nodes)); never touches Redis. */
  snapshot(): CatalogSnapshot {
    return new CatalogSnapshot(this.config.models, this.view.nodes(), this.config.autoModels);
  }
}
