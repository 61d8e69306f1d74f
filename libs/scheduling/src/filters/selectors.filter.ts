import type { CandidateNode } from '../cluster-view';
import type { NodeFilter } from './filter';

function matches(node: CandidateNode, keys: readonly string[], values: readonly string[]): boolean {
  const labels = node.snapshot.info.labels;
  for (let k = 0; k < keys.length; k++) {
    if (!Object.hasOwn(labels, keys[k]!) || labels[keys[k]!] !== values[k]) return false;
  }
  return true;
}

/** Every selector must be one of the node's labels with exactly the same value. */
export const selectorsFilter: NodeFilter = {
  name: 'selectors',
  kind: 'hard',
  accepts: (node, req) =>
    req.selectors === undefined ||
    matches(node, Object.keys(req.selectors), Object.values(req.selectors)),
  sweep: (nodes, req, _ctx, removed, code) => {
    const selectors = req.selectors;
    if (selectors === undefined) return;
    const keys = Object.keys(selectors); // once per sweep, not a for-in per node
    const values = keys.map((k) => selectors[k]!);
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !matches(nodes[i]!, keys, values)) removed[i] = code;
    }
  },
};
