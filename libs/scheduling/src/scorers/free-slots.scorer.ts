import { freeSlots, type CandidateNode } from '../cluster-view';
import type { NodeScorer } from './scorer';

export function freeShare(node: CandidateNode): number {
  const total = node.snapshot.load.slotsTotal;
  return freeSlots(node) / (total > 1 ? total : 1);
}

/**
 * Unit: share of the node's slots that are free, 1 = idle, 0 = full, negative when work is
 * queued. A share, so a big node is not emptied of headroom before a small idle one gets any.
 */
export const freeSlotsScorer: NodeScorer = {
  name: 'free-slots',
  score: (candidates, _req, _ctx, out) => {
    for (let i = 0; i < candidates.length; i++) out[i] = freeShare(candidates[i]!);
    return true;
  },
};
