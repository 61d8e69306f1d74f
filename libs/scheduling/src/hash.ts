import type { NodeInfo } from '@switchyard/contracts';
import type { CandidateNode } from './cluster-view';

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

const nodeKeys = new WeakMap<NodeInfo, number>();

/**
 * `fnv1a(node id)`, remembered per NodeInfo object. Ids are hashed on every decision over
 * every candidate (rendezvous weights, prefix matches); reading each id string is a cache
 * miss per node (measured ~3× the cost of the whole lookup), the info object is already at
 * hand. Keyed weakly by the object, so entries go with the snapshot they came from.
 */
export function nodeKey(node: CandidateNode): number {
  const info = node.snapshot.info;
  let key = nodeKeys.get(info);
  if (key === undefined) {
    key = fnv1a(info.id);
    nodeKeys.set(info, key);
  }
  return key;
}
