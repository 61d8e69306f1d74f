import { performance } from 'node:perf_hooks';

const now = (): number => performance.now();

/**
 * Continuous batching: one timer steps every decoding sequence at once, a step taking
 * `stepMs()` (which grows with the batch). The timer only runs while someone decodes.
 */
export class DecodeLoop<T> {
  private readonly members = new Set<T>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stepMs: () => number,
    /** Called once per step with the batch size, before the members step. */
    private readonly onBatch: (size: number) => void,
    /** Decodes one token of a member; a member that ends removes itself. */
    private readonly step: (member: T) => void,
  ) {}

  add(member: T): void {
    this.members.add(member);
    if (this.timer === undefined) this.schedule(now());
  }

  delete(member: T): void {
    this.members.delete(member);
    if (this.members.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(from: number): void {
    const due = from + this.stepMs();
    this.timer = setTimeout(() => this.tick(due), Math.max(0, due - now()));
  }

  private tick(due: number): void {
    this.timer = undefined;
    const batch = [...this.members];
    this.onBatch(batch.length);
    for (const member of batch) {
      if (this.members.has(member)) this.step(member);
    }
    if (this.members.size === 0) return;
    const t = now();
    // Keep the cadence exact, but after a stalled event loop resume from now instead of
    // bursting out a backlog of steps.
    this.schedule(t - due > this.stepMs() ? t : due);
  }
}
