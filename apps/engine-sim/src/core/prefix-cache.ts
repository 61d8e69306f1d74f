/**
 * Token sequences recently held in KV cache, least recently used evicted first. It stands in
 * for llama.cpp's host-memory prompt cache: a new prompt reuses the longest prefix it shares
 * with any remembered sequence, which shortens its prefill.
 */
export class PrefixCache {
  private readonly entries: (readonly number[])[] = [];

  constructor(private readonly capacity: number) {}

  /** Length of the longest prefix `tokens` shares with a remembered sequence. */
  longestPrefix(tokens: readonly number[]): number {
    let best = 0;
    let bestIndex = -1;
    this.entries.forEach((entry, index) => {
      const shared = commonPrefixLength(entry, tokens);
      if (shared > best) {
        best = shared;
        bestIndex = index;
      }
    });
    if (bestIndex >= 0) this.touch(bestIndex);
    return best;
  }

  remember(tokens: readonly number[]): void {
    if (tokens.length === 0) return;
    const existing = this.entries.findIndex(
      (entry) =>
        commonPrefixLength(entry, tokens) === tokens.length && entry.length >= tokens.length,
    );
    if (existing >= 0) {
      this.touch(existing);
      return;
    }
    // A sequence that extends a remembered one replaces it: the longer one covers both.
    const extended = this.entries.findIndex(
      (entry) => commonPrefixLength(entry, tokens) === entry.length,
    );
    if (extended >= 0) this.entries.splice(extended, 1);
    this.entries.push(tokens);
    if (this.entries.length > this.capacity) this.entries.shift();
  }

  private touch(index: number): void {
    const [entry] = this.entries.splice(index, 1);
    if (entry) this.entries.push(entry);
  }
}

export function commonPrefixLength(a: readonly number[], b: readonly number[]): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  while (i < max && a[i] === b[i]) i++;
  return i;
}
