import type { CandidateNode } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode): boolean {
  return node.circuitOpen !== true;
}

/**
 * Skips nodes this gateway's circuit breaker has opened (recent node failures). Hard: the
 * node is not merely busy, and waiting for it is no better than failing over.
 */
export const circuitFilter: NodeFilter = {
  name: 'circuit',
  kind: 'hard',
  accepts,
  sweep: (nodes, _req, _ctx, removed, code) => {
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!)) removed[i] = code;
    }
  },
};
