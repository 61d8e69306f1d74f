import type { NodeFilter } from './filter';

/** Every selector must be one of the node's labels with exactly the same value. */
export const selectorsFilter: NodeFilter = {
  name: 'selectors',
  kind: 'hard',
  accepts: (node, req) => {
    const selectors = req.selectors;
    if (selectors === undefined) return true;
    const labels = node.snapshot.info.labels;
    for (const key in selectors) {
      if (!Object.hasOwn(labels, key) || labels[key] !== selectors[key]) return false;
    }
    return true;
  },
};
