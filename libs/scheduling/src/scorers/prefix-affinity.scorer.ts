import { nodeId } from '../cluster-view';
import { withinLoadBound } from '../decision-context';
import { fnv1a, nodeKey } from '../hash';
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
    // A handful of matched nodes against every candidate: compare numeric keys, and the id
    // itself only on a key match (see nodeKey for why ids are not read per node).
    const ids: string[] = [];
    const keys: number[] = [];
    const shares: number[] = [];
    for (const [id, blocks] of matched) {
      ids.push(id);
      keys.push(fnv1a(id));
      shares.push(blocks / hashes.length);
    }
    for (let i = 0; i < candidates.length; i++) {
      const node = candidates[i]!;
      out[i] = 0;
      if (!withinLoadBound(ctx, i)) continue;
      const key = nodeKey(node);
      for (let j = 0; j < keys.length; j++) {
        if (keys[j] === key && ids[j] === nodeId(node)) {
          out[i] = shares[j]!;
          break;
        }
      }
    }
    return true;
  },
};
