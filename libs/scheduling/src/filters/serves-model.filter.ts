import type { NodeFilter } from './filter';

export const servesModelFilter: NodeFilter = {
  name: 'serves-model',
  accepts: (node, req) => node.snapshot.info.models.includes(req.model),
};
