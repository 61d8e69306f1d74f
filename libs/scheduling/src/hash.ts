/*
 * Fast non-cryptographic hashing for placement hints. A collision only costs a worse hint
 * (an affinity bonus for a node that lacks the prefix), never a wrong answer.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over UTF-16 code units of `text[from, to)`, continuing from `h`. Unsigned 32-bit. */
export function fnv1a(text: string, h: number = FNV_OFFSET, from = 0, to = text.length): number {
  for (let i = from; i < to; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h >>> 0;
}

/** Murmur3's finaliser over two 32-bit values: a well-spread 32-bit weight. */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const ID_HASH_LIMIT = 65_536;
const idHashes = new Map<string, number>();

/**
 * `fnv1a(id)`, remembered: node ids repeat on every decision, so hashing them once keeps
 * rendezvous hashing over a thousand nodes to a map lookup and a mix per node. Bounded
 * (cleared when full) so churned ids cannot grow it without limit.
 */
export function idHash(id: string): number {
  let h = idHashes.get(id);
  if (h === undefined) {
    if (idHashes.size >= ID_HASH_LIMIT) idHashes.clear();
    h = fnv1a(id);
    idHashes.set(id, h);
  }
  return h;
}
