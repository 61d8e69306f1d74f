import { fillUnknown, type NodeScorer } from './scorer';

/**
 * Unit: minus the square of KV-cache use, 0 = empty … −1 = full; squared so moderate use
 * barely matters and a nearly full cache (preemption, eviction of cached prefixes) does.
 * A node that does not report it scores the candidates' average: neutral, neither favoured
 * nor punished for saying nothing.
 */
export const kvPressureScorer: NodeScorer = {
  name: 'kv-pressure',
  score: (candidates, _req, { load: { kvCacheUsage } }, out) => {
    const n = candidates.length;
    let sum = 0;
    let known = 0;
    for (let i = 0; i < n; i++) {
      const kv = kvCacheUsage[i]!;
      out[i] = -(kv * kv); // NaN stays NaN: unknown
      if (kv === kv) {
        sum += out[i]!;
        known++;
      }
    }
    return fillUnknown(out, n, sum, known);
  },
};
