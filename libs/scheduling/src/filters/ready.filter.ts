import type { CandidateNode } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode): boolean {
  return node.snapshot.info.state === 'ready';
}

/** Only ready nodes take new work (not joining, warming, cordoned or draining). */
export const readyFilter: NodeFilter = {
  name: 'ready',
  kind: 'hard',
  accepts,
  sweep: (nodes, _req, _ctx, removed, code) => {
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!)) removed[i] = code;
    }
  },
};
