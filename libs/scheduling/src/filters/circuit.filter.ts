import type { NodeFilter } from './filter';

/**
 * Skips nodes this gateway's circuit breaker has opened (recent node failures). Hard: the
 * node is not merely busy, and waiting for it is no better than failing over.
 */
export const circuitFilter: NodeFilter = {
  name: 'circuit',
  kind: 'hard',
  accepts: (node) => node.circuitOpen !== true,
};
