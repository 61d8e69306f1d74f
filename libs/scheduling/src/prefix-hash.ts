import { fnv1a } from './hash';
import type { PlacementRequest } from './cluster-view';

export interface PrefixHashOptions {
  /** Characters of the first block; each further block doubles the prefix covered. */
  blockChars?: number;
  /** Hashes at most, which bounds the cost per request and the index entries per prompt. */
  maxBlocks?: number;
  /** Mixed into every hash, e.g. the model name, so two models never share an entry. */
  salt?: string;
}

const SECOND_LANE_SEED = 0x9747b28c;
/** Characters the first prefix hash covers. */
export const PREFIX_BLOCK_CHARS = 256;
const DEFAULT_MAX_BLOCKS = 8;

/**
 * Characters of prompt that hash i covers: the first `blockChars` × 2^i. So the number of
 * matched hashes m says that at least `prefixCharsCovered(m)` leading characters are shared.
 */
export function prefixCharsCovered(matched: number, blockChars = PREFIX_BLOCK_CHARS): number {
  return matched > 0 ? blockChars * 2 ** (matched - 1) : 0;
}

/**
 * Chained hashes of a prompt's leading prefixes, each twice as long as the one before (256,
 * 512, 1,024, … characters): hash i covers prefix i, so two prompts share hash i exactly when
 * (up to collisions) their first `prefixCharsCovered(i + 1)` characters are equal — what an
 * engine's prefix cache can reuse. Doubling keeps the hash count small while still telling a
 * 300-character shared preamble from a 6,000-character shared document: at the defaults eight
 * hashes cover 32,768 characters (about 8 k tokens). Two FNV-1a lanes (52 bits) per hash;
 * only whole prefixes are hashed, as engines cache whole KV blocks.
 */
export function prefixHashes(text: string, opts: PrefixHashOptions = {}): string[] {
  const blockChars = Math.max(1, Math.floor(opts.blockChars ?? PREFIX_BLOCK_CHARS));
  const maxBlocks = Math.max(0, Math.floor(opts.maxBlocks ?? DEFAULT_MAX_BLOCKS));
  const salt = opts.salt ?? '';
  let a = fnv1a(salt);
  let b = fnv1a(salt, SECOND_LANE_SEED);
  const out: string[] = [];
  for (let i = 0, from = 0; i < maxBlocks; i++) {
    const to = prefixCharsCovered(i + 1, blockChars);
    if (to > text.length) break;
    a = fnv1a(text, a, from, to);
    b = fnv1a(text, b, from, to);
    // 20 + 32 bits in at most 12 characters: V8 copies a concatenation that short into one
    // flat string instead of a rope, which every index lookup would have to walk.
    out.push((b >>> 12).toString(36) + '.' + a.toString(36));
    from = to;
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
