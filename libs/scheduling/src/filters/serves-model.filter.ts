import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function serves(node: CandidateNode, model: string): boolean {
  // A plain loop: Array.prototype.includes costs twice as much over a thousand nodes.
  const models = node.snapshot.info.models;
  for (let i = 0; i < models.length; i++) if (models[i] === model) return true;
  return false;
}

export const servesModelFilter: NodeFilter = {
  name: 'serves-model',
  kind: 'hard',
  accepts: (node, req) => serves(node, req.model),
  sweep: (nodes, req: PlacementRequest, _ctx, removed, code) => {
    // Request fields are read once per sweep, not per node: requests come in several
    // shapes (optional fields), and a per-node read of a many-shaped object is slow.
    const model = req.model;
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !serves(nodes[i]!, model)) removed[i] = code;
    }
  },
};
