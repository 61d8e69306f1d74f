import type { NodeScorer } from './scorer';

/**
 * Unit: minus the node's recent mean time to first token, seconds. Lags behind load (it is
 * what past requests saw), hence a low weight beside predicted-wait. A node that does not
 * report it scores the candidates' average (neutral).
 */
export const ttftScorer: NodeScorer = {
  name: 'ttft',
  score: (candidates, _req, _ctx, out) => {
    let sum = 0;
    let known = 0;
    for (let i = 0; i < candidates.length; i++) {
      const ms = candidates[i]!.snapshot.load.ttftMs;
      out[i] = ms === null ? NaN : -ms / 1000;
      if (ms !== null) {
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
