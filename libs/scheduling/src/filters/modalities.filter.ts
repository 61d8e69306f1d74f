import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  const offered = node.snapshot.info.modalities;
  for (const m of req.modalities) {
    if (offered === undefined ? m !== 'text' : !offered.includes(m)) return false;
  }
  return true;
}

function textOnly(req: PlacementRequest): boolean {
  for (const m of req.modalities) if (m !== 'text') return false;
  return true;
}

/** The node must accept every modality the request carries; a node that says nothing is text only. */
export const modalitiesFilter: NodeFilter = {
  name: 'modalities',
  kind: 'hard',
  accepts,
  sweep: (nodes, req, _ctx, removed, code) => {
    // Most requests are text only, which every node that says nothing accepts.
    const plain = textOnly(req);
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] !== 0) continue;
      const node = nodes[i]!;
      if (plain && node.snapshot.info.modalities === undefined) continue;
      if (!accepts(node, req)) removed[i] = code;
    }
  },
};
