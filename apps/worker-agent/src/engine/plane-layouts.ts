import type { EngineAdapter, EnginePlane, PlaneLayout } from '@switchyard/engines';
import type { EngineClient } from './engine.client';

export interface FoundPlanes {
  layout: PlaneLayout;
  urls: Record<EnginePlane, string>;
}

/**
 * For an engine with several listeners and a worker given only its inference URL: the first of
 * the adapter's layouts whose readiness endpoint answers (see PlaneLayout), or undefined while
 * none does (the engine may still be starting).
 */
export async function findPlanes(
  engine: EngineClient,
  adapter: EngineAdapter,
  inferenceUrl: string,
): Promise<FoundPlanes | undefined> {
  for (const layout of adapter.planeLayouts ?? []) {
    const urls = layoutUrls(inferenceUrl, layout);
    const health = layout.health ?? adapter.health;
    if (await engine.answers(urls[health.plane], health.path)) return { layout, urls };
  }
  return undefined;
}

function layoutUrls(inference: string, layout: PlaneLayout): Record<EnginePlane, string> {
  const base = new URL(inference);
  const port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  const at = (offset: number): string => {
    const url = new URL(inference);
    url.port = String(port + offset);
    return url.toString();
  };
  return {
    inference,
    management: at(layout.portOffsets.management),
    metrics: at(layout.portOffsets.metrics),
  };
}
