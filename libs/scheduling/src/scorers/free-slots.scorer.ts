import { committedWork, freeSlots, type CandidateNode } from '../cluster-view';
import type { NodeScorer } from './scorer';

/** Free slots over slots; a node reporting no slots counts as one slot, as for saturation. */
export function freeShare(node: CandidateNode): number {
  const total = node.snapshot.load.slotsTotal;
  return total > 1 ? freeSlots(node) / total : 1 - committedWork(node);
}

/**
 * Unit: share of the node's slots that are free, 1 = idle, 0 = full, negative when work is
 * queued (as `freeShare`). A share, so a big node is not emptied of headroom before a small
 * idle one gets any.
 */
export const freeSlotsScorer: NodeScorer = {
  name: 'free-slots',
  score: (candidates, _req, { load: { committed, slots } }, out) => {
    for (let i = 0; i < candidates.length; i++) out[i] = (slots[i]! - committed[i]!) / slots[i]!;
    return true;
  },
};
