import { withinLoadBound } from '../decision-context';
import { cachedShares } from '../prefix-match';
import type { NodeScorer } from './scorer';

/**
 * Unit: the share of the request's prompt the node probably still caches (0..1; see
 * cachedShares), from the gateway's PrefixAffinityIndex. Beyond the time it saves this
 * request (predicted-wait counts that), a hit is prefill work the whole fleet does not do.
 * No bonus for a node beyond the bounded-load limit, so a hot prefix spreads once its node
 * is loaded (and the index then learns the other nodes too). With probability
 * `prefixExplorationProbability` a decision ignores affinity altogether.
 */
export const prefixAffinityScorer: NodeScorer = {
  name: 'prefix-affinity',
  score: (candidates, req, ctx, out) => {
    const cached = cachedShares(candidates, req, ctx);
    if (cached === null) return false;
    if (ctx.random() < ctx.tuning.prefixExplorationProbability) {
      ctx.explored = true;
      return false;
    }
    for (let i = 0; i < candidates.length; i++) {
      out[i] = withinLoadBound(ctx, i) ? cached[i]! : 0;
    }
    return true;
  },
};
