import type { NodeFilter } from './filter';
import { readyFilter } from './ready.filter';
import { servesModelFilter } from './serves-model.filter';

/** Applied in order; a new filter is one file and one row here. */
export const DEFAULT_FILTERS: readonly NodeFilter[] = [servesModelFilter, readyFilter];
