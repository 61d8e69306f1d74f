import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  return req.embedding !== true || node.snapshot.info.embeddings === true;
}

/** An embedding request needs an engine with an embeddings call; generation runs anywhere. */
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
