import type { Modality } from '@switchyard/contracts';
import type { CandidateNode } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, needed: readonly Modality[]): boolean {
  const offered = node.snapshot.info.modalities;
  for (const m of needed) {
    if (offered !== undefined && !offered.includes(m)) return false;
  }
  return true;
}

/**
 * The node must accept every modality the request carries. A node that says nothing leaves it
 * to the model catalogue, which the gateway checked before placement (a model accepts images
 * only when its catalogue entry says so); a node that lists its modalities is held to them.
 */
export const modalitiesFilter: NodeFilter = {
  name: 'modalities',
  kind: 'hard',
  accepts: (node, req) => accepts(node, req.modalities),
  sweep: (nodes, req, _ctx, removed, code) => {
    const needed = req.modalities; // once per sweep, as in serves-model
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] !== 0) continue;
      const node = nodes[i]!;
      // Most nodes say nothing: the catalogue already vetted the request for them.
      if (node.snapshot.info.modalities === undefined) continue;
      if (!accepts(node, needed)) removed[i] = code;
    }
  },
};
