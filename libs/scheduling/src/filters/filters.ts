import type { CandidateNode, PlacementRequest } from '../cluster-view';
import type { DecisionContext } from '../decision-context';
import { capabilitiesFilter } from './capabilities.filter';
import { circuitFilter } from './circuit.filter';
import { continuationFilter } from './continuation.filter';
import { embeddingsFilter } from './embeddings.filter';
import type { NodeFilter } from './filter';
import { modalitiesFilter } from './modalities.filter';
import { notSaturatedFilter } from './not-saturated.filter';
import { readyFilter } from './ready.filter';
import { selectorsFilter } from './selectors.filter';
import { servesModelFilter } from './serves-model.filter';

/** Every filter by name; a new filter is one file and one row here. */
export const FILTERS = {
  'serves-model': servesModelFilter,
  ready: readyFilter,
  embeddings: embeddingsFilter,
  continuation: continuationFilter,
  capabilities: capabilitiesFilter,
  modalities: modalitiesFilter,
  selectors: selectorsFilter,
  circuit: circuitFilter,
  'not-saturated': notSaturatedFilter,
} as const satisfies Record<string, NodeFilter>;

export type FilterName = keyof typeof FILTERS;

/** In order; the first that removes a node is the one its explanation names. */
export const DEFAULT_FILTERS: readonly NodeFilter[] = Object.values(FILTERS);

/** The hard constraints only: what a node must meet to serve the request at all. */
export const HARD_FILTERS: readonly NodeFilter[] = DEFAULT_FILTERS.filter((f) => f.kind === 'hard');

/**
 * The filter that removed the last candidate, from the codes `sweepFilters` left: filters
 * run in order, so it is the one with the highest code. Null when there were no nodes.
 */
export function lastRefusal(
  codes: Uint8Array,
  count: number,
  filters: readonly NodeFilter[],
): FilterName | null {
  let max = 0;
  for (let i = 0; i < count; i++) if (codes[i]! > max) max = codes[i]!;
  return max === 0 ? null : (filters[max - 1]!.name as FilterName);
}

/**
 * Runs `filters` over `nodes`, hard ones first, leaving in `codes` (zeroed, at least as long
 * as `nodes`) per node 0 when it passed every filter, else 1 + the index in `filters` of the
 * first that removed it.
 */
export function sweepFilters(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  ctx: DecisionContext,
  filters: readonly NodeFilter[],
  codes: Uint8Array,
): void {
  if (filters.length > 254) throw new RangeError('at most 254 filters');
  for (let f = 0; f < filters.length; f++) {
    if (filters[f]!.kind === 'hard') filters[f]!.sweep(nodes, req, ctx, codes, f + 1);
  }
  for (let f = 0; f < filters.length; f++) {
    if (filters[f]!.kind === 'capacity') filters[f]!.sweep(nodes, req, ctx, codes, f + 1);
  }
}
