import { nodeId, type CandidateNode, type PlacementRequest } from './cluster-view';
import type { DecisionContext } from './decision-context';
import { fnv1a, nodeKey } from './hash';
import { prefixCharsCovered } from './prefix-hash';

/**
 * Per candidate, the share of this request's prompt (0..1) its engine probably still caches:
 * the prefix the gateway's index says the node recently served, over the prompt's estimated
 * size. Null when no candidate holds any of it (or there is no index). Computed on first use
 * and kept on the context, so every scorer that needs it (predicted wait prefills only the
 * rest, prefix affinity rewards it) pays for one index lookup per decision.
 */
export function cachedShares(
  candidates: readonly CandidateNode[],
  req: PlacementRequest,
  ctx: DecisionContext,
): Float64Array | null {
  if (ctx.cached !== undefined) return ctx.cached;
  ctx.cached = null;
  const hashes = ctx.prefixHashes;
  if (ctx.prefixIndex === undefined || hashes.length === 0) return null;
  const matched = ctx.prefixIndex.lookup(hashes, ctx.now);
  if (matched.size === 0) return null;
  const perToken = ctx.tuning.charsPerToken;
  // Unknown size (hashes given, no text): the prompt is at least what its hashes cover.
  const promptTokens =
    ctx.promptTokens > 0 ? ctx.promptTokens : prefixCharsCovered(hashes.length) / perToken;
  // A handful of matched nodes against every candidate: compare numeric keys, and the id
  // itself only on a key match (see nodeKey for why ids are not read per node).
  const ids: string[] = [];
  const keys: number[] = [];
  const shares: number[] = [];
  for (const [id, blocks] of matched) {
    ids.push(id);
    keys.push(fnv1a(id));
    const tokens = prefixCharsCovered(blocks) / perToken;
    shares.push(tokens < promptTokens ? tokens / promptTokens : 1);
  }
  const out = ctx.cachedColumn;
  let any = false;
  for (let i = 0; i < candidates.length; i++) {
    const node = candidates[i]!;
    out[i] = 0;
    const key = nodeKey(node);
    for (let j = 0; j < keys.length; j++) {
      if (keys[j] === key && ids[j] === nodeId(node)) {
        out[i] = shares[j]!;
        any = true;
        break;
      }
    }
  }
  ctx.cached = any ? out : null;
  return ctx.cached;
}

/** The prompt's size in tokens: as the caller estimated it, else from its text. */
export function promptTokensOf(req: PlacementRequest, charsPerToken: number): number {
  return req.estimatedPromptTokens ?? (req.promptText?.length ?? 0) / charsPerToken;
}
