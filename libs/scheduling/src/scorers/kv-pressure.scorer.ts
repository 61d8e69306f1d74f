import type { NodeScorer } from './scorer';

/**
 * Unit: minus the square of KV-cache use, 0 = empty … −1 = full; squared so moderate use
 * barely matters and a nearly full cache (preemption, eviction of cached prefixes) does.
 * A node that does not report it scores the candidates' average: neutral, neither favoured
 * nor punished for saying nothing.
 */
export const kvPressureScorer: NodeScorer = {
  name: 'kv-pressure',
  score: (candidates, _req, _ctx, out) => {
    let sum = 0;
    let known = 0;
    for (let i = 0; i < candidates.length; i++) {
      const kv = candidates[i]!.snapshot.load.kvCacheUsage;
      out[i] = kv === null ? NaN : -(kv * kv);
      if (kv !== null) {
        sum += out[i]!;
        known++;
      }
    }
    if (known === 0) return false;
    if (known < candidates.length) {
      const neutral = sum / known;
      for (let i = 0; i < candidates.length; i++) if (Number.isNaN(out[i])) out[i] = neutral;
    }
    return true;
  },
};
