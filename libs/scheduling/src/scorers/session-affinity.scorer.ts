import { nodeId } from '../cluster-view';
import { withinLoadBound } from '../decision-context';
import { fnv1a, mix32, nodeKey } from '../hash';
import type { NodeScorer } from './scorer';

/**
 * Unit: 1 for the session's node, else 0. The session's node is the weighted rendezvous
 * (highest-random-weight) choice among the candidates within the bounded-load limit, weighted
 * by slots so a node's share of sessions matches its share of the fleet: stable for a key
 * while the fleet is, and when its node leaves only that node's sessions move. Every gateway
 * replica computes the same node without sharing state.
 */
export const sessionAffinityScorer: NodeScorer = {
  name: 'session-affinity',
  score: (candidates, req, ctx, out) => {
    if (req.sessionKey === undefined) return false;
    const key = fnv1a(req.sessionKey);
    let top = -1;
    let topWeight = -1;
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      out[i] = 0;
      if (!withinLoadBound(ctx, i)) continue;
      // Weighted rendezvous (Schindelhauer and Schomaker): slots / -ln(u), u uniform in (0, 1).
      const u = (mix32(key, nodeKey(c)) + 1) / 4_294_967_297;
      const w = ctx.load.slots[i]! / -Math.log(u);
      // Ids break equal weights so the choice does not depend on the candidates' order.
      if (w > topWeight || (w === topWeight && nodeId(c) < nodeId(candidates[top]!))) {
        top = i;
        topWeight = w;
      }
    }
    if (top < 0) return false;
    out[top] = 1;
    return true;
  },
};
