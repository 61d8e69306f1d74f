import { nodeId } from '../cluster-view';
import { withinLoadBound } from '../decision-context';
import type { NodeScorer } from './scorer';

/**
 * Unit: share of the request's hashed prefix blocks the node recently served (0..1), from
 * the gateway's PrefixAffinityIndex: its engine probably still caches that prefix and skips
 * recomputing it. No bonus for a node beyond the bounded-load limit, so a hot prefix spreads
 * once its node is loaded (and the index then learns the other nodes too). With probability
 * `prefixExplorationProbability` a decision ignores affinity altogether.
 */
export const prefixAffinityScorer: NodeScorer = {
  name: 'prefix-affinity',
  score: (candidates, _req, ctx, out) => {
    const hashes = ctx.prefixHashes;
    if (ctx.prefixIndex === undefined || hashes.length === 0) return false;
    const matched = ctx.prefixIndex.lookup(hashes, ctx.now);
    if (matched.size === 0) return false;
    if (ctx.random() < ctx.tuning.prefixExplorationProbability) {
      ctx.explored = true;
      return false;
    }
    const blocks = hashes.length;
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[i]!;
      // The load test first: it is arithmetic, the lookup hashes a string.
      const m = withinLoadBound(node, ctx) ? matched.get(nodeId(node)) : undefined;
      out[i] = m === undefined ? 0 : m / blocks;
    }
    return true;
  },
};
