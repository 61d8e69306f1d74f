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

/** What a decision keeps to explain itself: plain copies, so later decisions cannot change it. */
export interface ExplanationColumns {
  ids: string[];
  /** Per input node, as Scratch.codes. */
  codes: number[];
  filters: readonly NodeFilter[];
  scorers: { name: string; weight: number; values: number[] | null }[];
  /** Per survivor. */
  totals: number[];
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
    const { ids, codes, filters, scorers, totals } = columns;
    const out: CandidateExplanation[] = [];
    let s = 0;
    for (let i = 0; i < ids.length; i++) {
      const code = codes[i]!;
      if (code !== 0) {
        out.push({ nodeId: ids[i]!, removedBy: filters[code - 1]!.name });
        continue;
      }
      const scores: Record<string, ScoreExplanation> = {};
      for (const c of scorers) scores[c.name] = { value: c.values?.[s] ?? 0, weight: c.weight };
      out.push({ nodeId: ids[i]!, scores, total: totals[s]! });
      s++;
    }
    return out;
  };
  return () => (rows ??= build());
}

/** Plain copy of the first `n` entries of a typed array (no native allocation). */
export function copyOf(from: Uint8Array | Float64Array, n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = from[i]!;
  return out;
}
