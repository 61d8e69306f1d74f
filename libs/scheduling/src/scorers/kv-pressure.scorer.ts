import type { CandidateNode } from '../cluster-view';
import type { NodeScorer } from './scorer';

function pressure(node: CandidateNode): number | null {
  const kv = node.snapshot.load.kvCacheUsage;
  return kv === null ? null : -(kv * kv);
}

/**
 * Unit: minus the square of KV-cache use, 0 = empty … −1 = full; squared so moderate use
 * barely matters and a nearly full cache (preemption, eviction of cached prefixes) does.
 * A node that does not report it scores the candidates' average: neutral, neither favoured
 * nor punished for saying nothing.
 */
export const kvPressureScorer: NodeScorer = {
  name: 'kv-pressure',
  prepare: (candidates) => {
    let sum = 0;
    let known = 0;
    for (const c of candidates) {
      const p = pressure(c);
      if (p !== null) {
        sum += p;
        known++;
      }
    }
    if (known === 0) return null;
    const neutral = sum / known;
    return (node) => pressure(node) ?? neutral;
  },
};
