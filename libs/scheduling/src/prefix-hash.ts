import { fnv1a } from './hash';
import type { PlacementRequest } from './cluster-view';

export interface PrefixHashOptions {
  /** Characters per block; only whole blocks are hashed, as engines cache whole KV blocks. */
  blockChars?: number;
  /** Leading blocks hashed at most, which bounds the cost per request. */
  maxBlocks?: number;
  /** Mixed into every hash, e.g. the model name, so two models never share an entry. */
  salt?: string;
}

const SECOND_LANE_SEED = 0x9747b28c;

/**
 * Chained hashes of the leading fixed-size blocks of a prompt: hash i covers blocks 0..i, so
 * two prompts share hash i exactly when (up to collisions) their first i+1 blocks are equal,
 * which is what an engine's prefix cache can reuse. Two FNV-1a lanes (52 bits) per hash; at the
 * defaults this reads at most 2,048 characters.
 */
export function prefixHashes(text: string, opts: PrefixHashOptions = {}): string[] {
  const blockChars = Math.max(1, Math.floor(opts.blockChars ?? 256));
  const maxBlocks = Math.max(0, Math.floor(opts.maxBlocks ?? 8));
  const blocks = Math.min(maxBlocks, Math.floor(text.length / blockChars));
  const salt = opts.salt ?? '';
  let a = fnv1a(salt);
  let b = fnv1a(salt, SECOND_LANE_SEED);
  const out: string[] = [];
  for (let i = 0; i < blocks; i++) {
    const from = i * blockChars;
    a = fnv1a(text, a, from, from + blockChars);
    b = fnv1a(text, b, from, from + blockChars);
    // 20 + 32 bits in at most 12 characters: V8 copies a concatenation that short into one
    // flat string instead of a rope, which every index lookup would have to walk.
    out.push((b >>> 12).toString(36) + '.' + a.toString(36));
  }
  return out;
}

const NO_HASHES: readonly string[] = Object.freeze([]);

/**
 * The request's prefix hashes: as given, else hashed from `promptText` with the model as
 * salt, else none. Placement and the index's recording must agree, so both use this.
 */
export function requestPrefixHashes(req: PlacementRequest): readonly string[] {
  if (req.prefixHashes !== undefined) return req.prefixHashes;
  if (req.promptText === undefined) return NO_HASHES;
  return prefixHashes(req.promptText, { salt: req.model });
}
