import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  const { info } = node.snapshot;
  return req.embedding !== true || (info.capabilities?.embeddings ?? info.embeddings) === true;
}

/**
 * An embedding request needs an engine that computes embeddings: the node's learned capability,
 * else (a worker that predates capabilities) whether its adapter has the call.
 */
export const embeddingsFilter: NodeFilter = {
  name: 'embeddings',
  kind: 'hard',
  accepts: (node, req) => accepts(node, req),
  sweep: (nodes, req, _ctx, removed, code) => {
    if (req.embedding !== true) return;
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!, req)) removed[i] = code;
    }
  },
};
