import { promptRate, slotRate, type CandidateNode } from './cluster-view';

/**
 * The load facts scorers read, per candidate, gathered in the one pass `place()` makes over
 * the nodes that passed the filters; index-aligned with the candidate list scorers receive.
 * NaN stands for a figure the node does not report. Columns rather than node objects
 * because every further pass over a thousand objects costs more than its arithmetic.
 */
export class CandidateLoad {
  /** committedWork. */
  committed = new Float64Array(0);
  /** slotsTotal, at least 1. */
  slots = new Float64Array(0);
  kvCacheUsage = new Float64Array(0);
  ttftMs = new Float64Array(0);
  /** slotRate, tokens/s per slot. */
  slotRate = new Float64Array(0);
  /** promptRate, tokens/s. */
  promptRate = new Float64Array(0);
  /** NodeLoad.meanOutputTokens. */
  outputTokens = new Float64Array(0);

  /** Room for `n` candidates. */
  reserve(n: number): void {
    if (this.committed.length >= n) return;
    this.committed = new Float64Array(n);
    this.slots = new Float64Array(n);
    this.kvCacheUsage = new Float64Array(n);
    this.ttftMs = new Float64Array(n);
    this.slotRate = new Float64Array(n);
    this.promptRate = new Float64Array(n);
    this.outputTokens = new Float64Array(n);
  }

  gather(i: number, node: CandidateNode): void {
    const load = node.snapshot.load;
    const reported = load.running + load.waiting;
    this.committed[i] = reported > node.localInFlight ? reported : node.localInFlight;
    this.slots[i] = load.slotsTotal > 1 ? load.slotsTotal : 1;
    this.kvCacheUsage[i] = load.kvCacheUsage ?? NaN;
    this.ttftMs[i] = load.ttftMs ?? NaN;
    this.slotRate[i] = slotRate(node) ?? NaN;
    this.promptRate[i] = promptRate(node) ?? NaN;
    const output = load.meanOutputTokens;
    this.outputTokens[i] = output != null && output > 0 ? output : NaN;
  }
}
