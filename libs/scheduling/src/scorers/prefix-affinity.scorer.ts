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
  prepare: (_candidates, _req, ctx) => {
    const hashes = ctx.prefixHashes;
    if (ctx.prefixIndex === undefined || hashes.length === 0) return null;
    const matched = ctx.prefixIndex.lookup(hashes, ctx.now);
    if (matched.size === 0) return null;
    if (ctx.random() < ctx.tuning.prefixExplorationProbability) {
      ctx.explored = true;
      return null;
    }
    const blocks = hashes.length;
    return (node) => {
      const m = matched.get(nodeId(node));
      return m === undefined || !withinLoadBound(node, ctx) ? 0 : m / blocks;
    };
  },
};
