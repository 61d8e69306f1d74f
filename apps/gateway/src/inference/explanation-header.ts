import type { PlacementDecision } from '@switchyard/scheduling';
import { headerValue, type RequestHeaders } from '../http/request-headers';

/** Ask for the placement explanation of a request: `x-switchyard-explain: 1`. */
export const EXPLAIN_HEADER = 'x-switchyard-explain';
/** Candidates listed in full; the rest are counted by the filter that removed them. */
const LISTED = 16;

export function wantsExplanation(headers: RequestHeaders): boolean {
  const value = headerValue(headers, EXPLAIN_HEADER)?.trim().toLowerCase();
  return value === '1' || value === 'true' || value === 'yes';
}

/**
 * The decision as one compact JSON header value: the outcome, the best-scored candidates with
 * each scorer's value and weight, and how many nodes each filter removed (with their ids while
 * few). Computed on the same view as the placement, just before it.
 */
export function explanationHeader(strategy: string, decision: PlacementDecision): string {
  const scored = decision.candidates
    .filter((c) => c.removedBy === undefined)
    .sort((a, b) => (b.total ?? 0) - (a.total ?? 0));
  const removed: Record<string, string[]> = {};
  for (const c of decision.candidates) {
    if (c.removedBy !== undefined) (removed[c.removedBy] ??= []).push(c.nodeId);
  }
  return JSON.stringify({
    strategy,
    outcome: decision.outcome,
    chosen: decision.chosen?.snapshot.info.id ?? null,
    explored: decision.explored,
    candidates: scored.slice(0, LISTED).map((c) => ({
      node: c.nodeId,
      total: round(c.total ?? 0),
      scores: Object.fromEntries(
        Object.entries(c.scores ?? {}).map(([name, s]) => [name, [round(s.value), s.weight]]),
      ),
    })),
    removed: Object.fromEntries(
      Object.entries(removed).map(([filter, ids]) => [
        filter,
        ids.length <= LISTED ? ids : { count: ids.length },
      ]),
    ),
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
