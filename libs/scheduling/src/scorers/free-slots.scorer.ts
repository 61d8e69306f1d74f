import { freeSlots, type CandidateNode } from '../cluster-view';
import type { NodeScorer } from './scorer';

/**
 * Prefers the node with the most free slots, as a share of its size so a big node is not
 * emptied of headroom before a small idle one gets anything. Negative when over-committed.
 */
export const freeSlotsScorer: NodeScorer = {
  name: 'free-slots',
  score: (node: CandidateNode) => {
    const total = Math.max(1, node.snapshot.load.slotsTotal);
    return freeSlots(node) / total;
  },
};
