import { Controller, Get } from '@nestjs/common';
import { ClusterViewStore } from '@switchyard/cluster';
import type { NodeSnapshot } from '@switchyard/contracts';

/** One target group of Prometheus HTTP service discovery. */
export interface SdTargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/**
 * Prometheus HTTP-SD (`http_sd_configs`): every worker-agent of the fleet as a scrape target,
 * so one Prometheus job follows a fleet that grows and shrinks. Read from the cluster view,
 * like placement; a node leaves the list when it leaves the view.
 * https://prometheus.io/docs/prometheus/latest/http_sd/
 *
 * Under /admin/v1 like the rest of the fleet API; when the admin credential lands, Prometheus
 * sends it with `http_sd_configs[].authorization`.
 */
@Controller('admin/v1/prometheus')
export class PrometheusSdController {
  constructor(private readonly view: ClusterViewStore) {}

  @Get('targets')
  targets(): SdTargetGroup[] {
    return this.view
      .nodes()
      .flatMap((n) => {
        const group = targetGroup(n);
        return group ? [group] : [];
      })
      .sort((a, b) => (a.labels['node']! < b.labels['node']! ? -1 : 1));
  }
}

/** The node's agent as a target: `host:port`, with scheme and path as labels Prometheus reads. */
export function targetGroup(n: NodeSnapshot): SdTargetGroup | null {
  if (n.info.agentUrl === undefined) return null;
  let url: URL;
  try {
    url = new URL(n.info.agentUrl);
  } catch {
    return null;
  }
  const path = url.pathname.replace(/\/+$/, '');
  return {
    targets: [url.host],
    labels: {
      __scheme__: url.protocol.replace(':', ''),
      __metrics_path__: `${path}/metrics`,
      node: n.info.id,
      engine: n.info.engine,
      model: [...n.info.models].sort().join(','),
    },
  };
}
