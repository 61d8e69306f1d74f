import type { NodeFilter } from './filters/filter';

export interface ScoreExplanation {
  /** The scorer's raw value, in its own unit. */
  value: number;
  weight: number;
}

/** Why each node was or was not chosen — the basis of the debug explanation. */
export interface CandidateExplanation {
  nodeId: string;
  /** The first filter that removed the node, if any. */
  removedBy?: string;
  /** Each scorer's raw value and weight, for nodes that passed every filter. */
  scores?: Record<string, ScoreExplanation>;
  /** The weighted sum of the scores. */
  total?: number;
}

/**
 * What a decision keeps to explain itself: copies, so later decisions cannot change it.
 * The numbers live in one typed array per decision (its backing store is outside the
 * JavaScript heap): a thousand-node decision's columns as JavaScript arrays were ~50 KB of
 * young-generation garbage, enough scavenges to reach the p99.
 */
export interface ExplanationColumns {
  ids: string[];
  /** Per input node, as Scratch.codes. */
  codes: Uint8Array;
  filters: readonly NodeFilter[];
  /** Survivors: each scorer's values start at `offset` in `values`; null when silent. */
  survivors: number;
  scorers: { name: string; weight: number; offset: number | null }[];
  /** Scorer columns one after another, then the totals at `totalsOffset`. */
  values: Float64Array;
  totalsOffset: number;
}

export const NO_EXPLANATIONS: readonly CandidateExplanation[] = Object.freeze([]);

/**
 * The per-candidate rows, in input order, built on first call: collecting the columns costs
 * a few copies per decision, building a thousand rows of objects costs far more, and most
 * decisions are never explained.
 */
export function lazyRows(columns: ExplanationColumns): () => readonly CandidateExplanation[] {
  let rows: CandidateExplanation[] | undefined;
  const build = (): CandidateExplanation[] => {
    const { ids, codes, filters, scorers, values, totalsOffset } = columns;
    const out: CandidateExplanation[] = [];
    let s = 0;
    for (let i = 0; i < ids.length; i++) {
      const code = codes[i]!;
      if (code !== 0) {
        out.push({ nodeId: ids[i]!, removedBy: filters[code - 1]!.name });
        continue;
      }
      const scores: Record<string, ScoreExplanation> = {};
      for (const c of scorers) {
        scores[c.name] = { value: c.offset === null ? 0 : values[c.offset + s]!, weight: c.weight };
      }
      out.push({ nodeId: ids[i]!, scores, total: values[totalsOffset + s]! });
      s++;
    }
    return out;
  };
  return () => (rows ??= build());
}
