import type { EngineKind, Modality, NodeState } from '@switchyard/contracts';
import type { CandidateNode, PlacementRequest } from './cluster-view';
import { DEFAULT_POLICY, type PlacementPolicy } from './place';

/** Hand-built cluster views for the scheduling specs. */
export interface NodeOpts {
  slots?: number;
  running?: number;
  waiting?: number;
  state?: NodeState;
  models?: string[];
  engine?: EngineKind;
  labels?: Record<string, string>;
  modalities?: Modality[];
  kv?: number | null;
  /** Per-sequence decode speed, tokens/s. */
  decodeTps?: number | null;
  /** Prompt processing speed, tokens/s. */
  prefillTps?: number | null;
  ttftMs?: number | null;
  at?: number;
  local?: number;
  circuitOpen?: boolean;
}

export function node(id: string, o: NodeOpts = {}): CandidateNode {
  const slots = o.slots ?? 4;
  const running = o.running ?? 0;
  const waiting = o.waiting ?? 0;
  return {
    snapshot: {
      info: {
        id,
        engine: o.engine ?? 'llamacpp',
        models: o.models ?? ['m'],
        slots,
        state: o.state ?? 'ready',
        labels: o.labels ?? {},
        ...(o.modalities ? { modalities: o.modalities } : {}),
        startedAt: 0,
        version: 'test',
      },
      load: {
        running,
        waiting,
        slotsTotal: slots,
        slotsFree: Math.max(0, slots - running),
        kvCacheUsage: o.kv ?? null,
        prefixCacheHitRate: null,
        promptTokensPerSecond: null,
        generationTokensPerSecond: null,
        decodeTokensPerSecond: o.decodeTps ?? null,
        prefillTokensPerSecond: o.prefillTps ?? null,
        ttftMs: o.ttftMs ?? null,
      },
      at: o.at ?? 0,
    },
    localInFlight: o.local ?? 0,
    ...(o.circuitOpen !== undefined ? { circuitOpen: o.circuitOpen } : {}),
  };
}

export const REQ: PlacementRequest = { model: 'm', modalities: ['text'] };

/** The default policy with a random source that never explores and keeps the first of ties. */
export function policy(overrides: Partial<PlacementPolicy> = {}): PlacementPolicy {
  return { ...DEFAULT_POLICY, random: () => 0.99, ...overrides };
}

export function chosenId(d: { chosen: CandidateNode | null }): string | null {
  return d.chosen?.snapshot.info.id ?? null;
}
