import { fillUnknown, type NodeScorer } from './scorer';

/**
 * Unit: minus the node's recent mean time to first token, seconds. Lags behind load (it is
 * what past requests saw), hence a low weight beside predicted-wait. A node that does not
 * report it scores the candidates' average (neutral).
 */
export const ttftScorer: NodeScorer = {
  name: 'ttft',
  score: (candidates, _req, { load: { ttftMs } }, out) => {
    const n = candidates.length;
    let sum = 0;
    let known = 0;
    for (let i = 0; i < n; i++) {
      const ms = ttftMs[i]!;
      out[i] = -ms / 1000; // NaN stays NaN: unknown
      if (ms === ms) {
        sum += out[i]!;
        known++;
      }
    }
    return fillUnknown(out, n, sum, known);
  },
};
