import { circuitFilter } from './circuit.filter';
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
