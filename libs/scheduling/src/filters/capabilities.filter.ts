import type { CapabilityName, NodeCapabilities, NodeInfo } from '@switchyard/contracts';
import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { NodeFilter } from './filter';

/**
 * The features a request needs that a node's engine may lack (embeddings have their own
 * filter). A node that never said keeps the request: its refusal teaches it, and the request
 * goes elsewhere; a node known to lack one never gets it.
 */
export function missingCapability(
  caps: NodeCapabilities | undefined,
  req: PlacementRequest,
): CapabilityName | null {
  if (caps === undefined) return null;
  if (req.tools === true && caps.tools === false) return 'tools';
  if (caps.vision === false && req.modalities.includes('image')) return 'vision';
  if ((req.choices ?? 1) > 1 && caps.multipleChoices === false) return 'multipleChoices';
  const context = caps.maxContextTokens;
  if (context !== undefined) {
    const output = caps.contextCoversOutput === true ? (req.maxTokens ?? 0) : 0;
    if ((req.minPromptTokens ?? 0) + output > context) return 'maxContextTokens';
  }
  return null;
}

/**
 * What a node is known to lack for this request, embeddings included; null when it can serve
 * it (or nobody knows). A model's shared queue is pulled by every node of the model, so a
 * request some node cannot serve must not wait there.
 */
export function lacksFor(info: NodeInfo, req: PlacementRequest): CapabilityName | null {
  if (req.embedding === true && (info.capabilities?.embeddings ?? info.embeddings) !== true)
    return 'embeddings';
  return missingCapability(info.capabilities, req);
}

/** Whether the request needs anything a node may lack: most requests skip the sweep. */
function needsAny(req: PlacementRequest): boolean {
  return (
    req.tools === true ||
    (req.choices ?? 1) > 1 ||
    req.modalities.includes('image') ||
    (req.minPromptTokens ?? 0) > 0 ||
    (req.maxTokens ?? 0) > 0
  );
}

function accepts(node: CandidateNode, req: PlacementRequest): boolean {
  return missingCapability(node.snapshot.info.capabilities, req) === null;
}

export const capabilitiesFilter: NodeFilter = {
  name: 'capabilities',
  kind: 'hard',
  accepts: (node, req) => accepts(node, req),
  sweep: (nodes, req, _ctx, removed, code) => {
    if (!needsAny(req)) return;
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!, req)) removed[i] = code;
    }
  },
};
