import type { Modality } from '@switchyard/contracts';
import type { CandidateNode } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, needed: readonly Modality[]): boolean {
  const offered = node.snapshot.info.modalities;
  for (const m of needed) {
    if (offered === undefined ? m !== 'text' : !offered.includes(m)) return false;
  }
  return true;
}

/** The node must accept every modality the request carries; a node that says nothing is text only. */
export const modalitiesFilter: NodeFilter = {
  name: 'modalities',
  kind: 'hard',
  accepts: (node, req) => accepts(node, req.modalities),
  sweep: (nodes, req, _ctx, removed, code) => {
    const needed = req.modalities; // once per sweep, as in serves-model
    // Most requests are text only, which every node that says nothing accepts.
    const textOnly = needed.every((m) => m === 'text');
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] !== 0) continue;
      const node = nodes[i]!;
      if (textOnly && node.snapshot.info.modalities === undefined) continue;
      if (!accepts(node, needed)) removed[i] = code;
    }
  },
};
