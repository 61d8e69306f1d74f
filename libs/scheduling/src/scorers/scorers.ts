import { freeSlotsScorer } from './free-slots.scorer';
import { kvPressureScorer } from './kv-pressure.scorer';
import { predictedWaitScorer } from './predicted-wait.scorer';
import { prefixAffinityScorer } from './prefix-affinity.scorer';
import type { NodeScorer } from './scorer';
import { sessionAffinityScorer } from './session-affinity.scorer';
import { ttftScorer } from './ttft.scorer';

export interface WeightedScorer {
  scorer: NodeScorer;
  weight: number;
}

/** Every scorer by name; a new scorer is one file, one row here and one in DEFAULT_WEIGHTS. */
export const SCORERS = {
  'predicted-wait': predictedWaitScorer,
  'free-slots': freeSlotsScorer,
  'kv-pressure': kvPressureScorer,
  'prefix-affinity': prefixAffinityScorer,
  'session-affinity': sessionAffinityScorer,
  ttft: ttftScorer,
} as const satisfies Record<string, NodeScorer>;

export type ScorerName = keyof typeof SCORERS;

/**
 * Points per unit of each scorer. The scale is set by predicted-wait: one point is one
 * second sooner. A full prefix match is worth 2 s, keeping a session on its node 3 s, the
 * whole free-slot range (idle vs full) 1 s, a full KV cache −1 s, recent TTFT half its
 * seconds (it overlaps predicted-wait). Affinity never outweighs load without limit: past
 * the bounded-load line it is worth nothing.
 */
export const DEFAULT_WEIGHTS: Readonly<Record<ScorerName, number>> = Object.freeze({
  'predicted-wait': 1,
  'free-slots': 1,
  'kv-pressure': 1,
  'prefix-affinity': 2,
  'session-affinity': 3,
  ttft: 0.5,
});

/** The scorers with `DEFAULT_WEIGHTS` overridden by `weights`; a weight of 0 drops the scorer. */
export function weightedScorers(
  weights: Partial<Record<ScorerName, number>> = {},
): WeightedScorer[] {
  const out: WeightedScorer[] = [];
  for (const name of Object.keys(SCORERS) as ScorerName[]) {
    const weight = weights[name] ?? DEFAULT_WEIGHTS[name];
    if (!Number.isFinite(weight)) throw new RangeError(`scorer weight ${name} must be finite`);
    if (weight !== 0) out.push({ scorer: SCORERS[name], weight });
  }
  return out;
}

export const DEFAULT_SCORERS: readonly WeightedScorer[] = weightedScorers();
