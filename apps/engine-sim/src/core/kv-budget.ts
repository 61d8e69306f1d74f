/**
 * The KV cache as the admission check sees it: a sequence reserves its prompt plus every token
 * it may still decode when it starts, and gives them back when it ends. Reserving the whole
 * sequence up front means a running sequence never runs out of cache, so nothing is preempted.
 */
export class KvBudget {
  private reserved = 0;

  constructor(readonly capacity: number) {}

  get reservedTokens(): number {
    return this.reserved;
  }

  /** Whether `tokens` more fit; a sequence larger than the whole cache may still run alone. */
  fits(tokens: number): boolean {
    return this.reserved + tokens <= this.capacity || this.reserved === 0;
  }

  reserve(tokens: number): void {
    this.reserved += tokens;
  }

  release(tokens: number): void {
    this.reserved = Math.max(0, this.reserved - tokens);
  }
}
