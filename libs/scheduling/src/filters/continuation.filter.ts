import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  return req.continuation !== true || node.snapshot.info.continuesChat === true;
}

/** A resumed chat (a cut-short answer carried on) needs an engine that continues a message. */
export const continuationFilter: NodeFilter = {
  name: 'continuation',
  kind: 'hard',
  accepts: (node, req) => accepts(node, req),
  sweep: (nodes, req, _ctx, removed, code) => {
    if (req.continuation !== true) return;
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!, req)) removed[i] = code;
    }
  },
};
