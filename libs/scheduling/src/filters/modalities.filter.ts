import type { NodeFilter } from './filter';

/** The node must accept every modality the request carries; a node that says nothing is text only. */
export const modalitiesFilter: NodeFilter = {
  name: 'modalities',
  kind: 'hard',
  accepts: (node, req) => {
    const offered = node.snapshot.info.modalities;
    for (const m of req.modalities) {
      if (offered === undefined ? m !== 'text' : !offered.includes(m)) return false;
    }
    return true;
  },
};
