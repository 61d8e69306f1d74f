import { CandidateLoad } from './candidate-load';
import type { CandidateNode } from './cluster-view';

/**
 * Working buffers for one decision, reused across decisions: a typed array over a thousand
 * nodes is a native allocation, and three per decision showed up as most of the p99 tail.
 * `place()` is synchronous; a nested call (a scorer that places) gets its own set.
 */
export class Scratch {
  /** Per input node: 0 = passed every filter, else 1 + index of the filter that removed it. */
  codes = new Uint8Array(0);
  /** Per survivor: weighted total so far. */
  totals = new Float64Array(0);
  /** Per survivor: the current scorer's values. */
  column = new Float64Array(0);
  /** Per survivor: the share of the prompt it probably caches (DecisionContext.cached). */
  cached = new Float64Array(0);
  /**
   * The nodes that passed the filters: the list scorers receive. Reused, so it keeps the
   * last decision's candidates referenced until the next one (at most one fleet's worth).
   */
  readonly survivors: CandidateNode[] = [];
  /** Per survivor: DecisionContext.load. */
  readonly load = new CandidateLoad();

  private inUse = false;
  private static readonly shared = new Scratch();

  /** Buffers for `nodes` inputs and `survivors`, zeroed; release when the decision ends. */
  static acquire(nodes: number): Scratch {
    const s = Scratch.shared.inUse ? new Scratch() : Scratch.shared;
    s.inUse = true;
    if (s.codes.length < nodes) {
      const size = Math.max(64, 2 ** Math.ceil(Math.log2(nodes)));
      s.codes = new Uint8Array(size);
      s.totals = new Float64Array(size);
      s.column = new Float64Array(size);
      s.cached = new Float64Array(size);
      s.load.reserve(size);
    } else {
      s.codes.fill(0, 0, nodes);
    }
    return s;
  }

  release(): void {
    this.inUse = false;
  }
}
