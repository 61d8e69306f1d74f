import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  const selectors = req.selectors;
  if (selectors === undefined) return true;
  const labels = node.snapshot.info.labels;
  for (const key in selectors) {
    if (!Object.hasOwn(labels, key) || labels[key] !== selectors[key]) return false;
  }
  return true;
}

/** Every selector must be one of the node's labels with exactly the same value. */
export const selectorsFilter: NodeFilter = {
  name: 'selectors',
  kind: 'hard',
  accepts,
  sweep: (nodes, req, _ctx, removed, code) => {
    if (req.selectors === undefined) return;
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!, req)) removed[i] = code;
    }
  },
};
