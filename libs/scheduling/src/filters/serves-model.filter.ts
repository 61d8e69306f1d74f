import type { NodeFilter } from './filter';

export const servesModelFilter: NodeFilter = {
  name: 'serves-model',
  kind: 'hard',
  accepts: (node, req) => node.snapshot.info.models.includes(req.model),
};
