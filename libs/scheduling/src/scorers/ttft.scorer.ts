import type { NodeScorer } from './scorer';

/**
 * Unit: minus the node's recent mean time to first token, seconds. Lags behind load (it is
 * what past requests saw), hence a low weight beside predicted-wait. A node that does not
 * report it scores the candidates' average (neutral).
 */
export const ttftScorer: NodeScorer = {
  name: 'ttft',
  prepare: (candidates) => {
    let sum = 0;
    let known = 0;
    for (const c of candidates) {
      const ms = c.snapshot.load.ttftMs;
      if (ms !== null) {
        sum += ms;
        known++;
      }
    }
    if (known === 0) return null;
    const neutral = -sum / known / 1000;
    return (node) => {
      const ms = node.snapshot.load.ttftMs;
      return ms === null ? neutral : -ms / 1000;
    };
  },
};
