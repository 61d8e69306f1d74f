export interface PrefixAffinityIndexOptions {
  /** Prefix hashes remembered; the least recently recorded is forgotten first. */
  maxEntries?: number;
  /** Nodes remembered per prefix hash, most recent first. */
  nodesPerEntry?: number;
  /** A node's record of a prefix older than this is ignored: its engine has likely evicted it. */
  maxAgeMs?: number;
}

interface Holder {
  nodeId: string;
  at: number;
}

/**
 * Which nodes recently served which prompt prefixes: this gateway's guess at what each
 * engine's prefix cache holds. Mutable and owned by the gateway (one per replica, nothing
 * shared); placement only reads it, the caller records each choice. Bounded in memory:
 * `maxEntries` hashes × `nodesPerEntry` holders, least recently recorded evicted first.
 */
export class PrefixAffinityIndex {
  readonly maxEntries: number;
  readonly nodesPerEntry: number;
  readonly maxAgeMs: number;
  /** Map order is recording order: the first key is the least recently recorded. */
  private readonly entries = new Map<string, Holder[]>();

  constructor(opts: PrefixAffinityIndexOptions = {}) {
    this.maxEntries = positive(opts.maxEntries ?? 50_000, 'maxEntries');
    this.nodesPerEntry = positive(opts.nodesPerEntry ?? 4, 'nodesPerEntry');
    this.maxAgeMs = positive(opts.maxAgeMs ?? 300_000, 'maxAgeMs');
  }

  get size(): number {
    return this.entries.size;
  }

  /** Notes that `nodeId` was given a prompt whose leading block hashes are `hashes`. */
  record(hashes: readonly string[], nodeId: string, now: number): void {
    for (const hash of hashes) {
      let holders = this.entries.get(hash);
      if (holders === undefined) {
        holders = [];
        if (this.entries.size >= this.maxEntries) this.evictOldest();
      } else {
        this.entries.delete(hash); // re-inserted below: most recently recorded
        const i = holders.findIndex((h) => h.nodeId === nodeId);
        if (i >= 0) holders.splice(i, 1);
      }
      holders.unshift({ nodeId, at: now });
      if (holders.length > this.nodesPerEntry) holders.length = this.nodesPerEntry;
      this.entries.set(hash, holders);
    }
  }

  /**
   * Per node, how many leading blocks of `hashes` it holds, counting only unbroken runs from
   * block 0. Nodes with no match are absent. `now` ignores holders older than `maxAgeMs`.
   */
  lookup(hashes: readonly string[], now?: number): Map<string, number> {
    const matched = new Map<string, number>();
    const oldest = now === undefined ? -Infinity : now - this.maxAgeMs;
    for (let i = 0; i < hashes.length; i++) {
      const holders = this.entries.get(hashes[i]!);
      if (holders === undefined) break;
      let advanced = false;
      for (const h of holders) {
        if (h.at < oldest) continue;
        if (i === 0 || matched.get(h.nodeId) === i) {
          matched.set(h.nodeId, i + 1);
          advanced = true;
        }
      }
      if (!advanced) break;
    }
    return matched;
  }

  /** Drops a departed node everywhere, so a reused id does not inherit its history. */
  forget(nodeId: string): void {
    for (const [hash, holders] of this.entries) {
      const i = holders.findIndex((h) => h.nodeId === nodeId);
      if (i < 0) continue;
      holders.splice(i, 1);
      if (holders.length === 0) this.entries.delete(hash);
    }
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new RangeError(`PrefixAffinityIndex: ${name} must be positive`);
  return value;
}
