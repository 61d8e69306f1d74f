import type { NodeFilter } from './filter';

/** Only ready nodes take new work (not joining, warming, cordoned or draining). */
export const readyFilter: NodeFilter = {
  name: 'ready',
  kind: 'hard',
  accepts: (node) => node.snapshot.info.state === 'ready',
};
