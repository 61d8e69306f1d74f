import { CandidateLoad } from './candidate-load';
import { nodeId, type CandidateNode, type PlacementRequest } from './cluster-view';
import type { DecisionContext } from './decision-context';
import type { NodeFilter } from './filters/filter';
import { HARD_FILTERS, lastRefusal, sweepFilters, type FilterName } from './filters/filters';
import type { CandidateExplanation } from './explanation';
import type { PlacementDecision } from './place';
import type { Placer } from './placer';
import { DEFAULT_TUNING } from './tuning';

/*
 * Load-blind baselines for benchmarks and for operators who want them. They still honour the
 * hard constraints (a round robin that sends an image to a text-only node or ignores a
 * selector would be wrong, not merely naive); they ignore load, saturation and affinity.
 */

export interface BaselineOptions {
  /** Default: the hard filters (ready, serves-model, modalities, selectors, circuit). */
  filters?: readonly NodeFilter[];
  /** Build explanations (default false). */
  explain?: boolean;
}

const NO_LOAD = new CandidateLoad();

interface Eligible {
  nodes: CandidateNode[];
  candidates: CandidateExplanation[];
  saturated: boolean;
  refusedBy: FilterName | null;
}

const NO_CACHED = new Float64Array(0);

function eligible(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  now: number,
  filters: readonly NodeFilter[],
  explain: boolean,
): Eligible {
  const ctx: DecisionContext = {
    now,
    tuning: DEFAULT_TUNING,
    random: Math.random,
    prefixIndex: undefined,
    prefixHashes: [],
    promptTokens: 0,
    cached: null,
    cachedColumn: NO_CACHED,
    loadLimitShare: 0,
    load: NO_LOAD,
    explored: false,
  };
  const removed = new Uint8Array(nodes.length);
  sweepFilters(nodes, req, ctx, filters, removed);
  const out: CandidateNode[] = [];
  const candidates: CandidateExplanation[] = [];
  let saturated = false;
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!;
    const code = removed[i]!;
    const removedBy = code === 0 ? undefined : filters[code - 1]!;
    if (removedBy === undefined) out.push(node);
    else if (removedBy.kind === 'capacity') saturated = true;
    if (explain) {
      candidates.push(
        removedBy ? { nodeId: nodeId(node), removedBy: removedBy.name } : { nodeId: nodeId(node) },
      );
    }
  }
  return {
    nodes: out,
    candidates,
    saturated,
    refusedBy: lastRefusal(removed, nodes.length, filters),
  };
}

function decide(e: Eligible, chosen: CandidateNode | undefined): PlacementDecision {
  const base = { candidates: e.candidates, explored: false };
  if (chosen !== undefined) {
    const claimLimit = chosen.snapshot.load.slotsTotal;
    return { ...base, outcome: 'placed', chosen, saturated: false, claimLimit };
  }
  return e.saturated
    ? { ...base, outcome: 'saturated', chosen: null, saturated: true }
    : { ...base, outcome: 'no-node', chosen: null, saturated: false, refusedBy: e.refusedBy };
}

/** Each decision takes the next eligible node in the order given (a stateful counter). */
export function roundRobinPolicy(opts: BaselineOptions = {}): Placer {
  const filters = opts.filters ?? HARD_FILTERS;
  let turn = 0;
  return {
    strategy: 'round-robin',
    place(nodes, req, now) {
      const e = eligible(nodes, req, now, filters, opts.explain === true);
      if (e.nodes.length === 0) return decide(e, undefined);
      const chosen = e.nodes[turn % e.nodes.length];
      turn = turn >= Number.MAX_SAFE_INTEGER ? 0 : turn + 1;
      return decide(e, chosen);
    },
  };
}

/** Each decision takes a uniformly random eligible node. */
export function randomPolicy(
  random: () => number = Math.random,
  opts: BaselineOptions = {},
): Placer {
  const filters = opts.filters ?? HARD_FILTERS;
  return {
    strategy: 'random',
    place(nodes, req, now) {
      const e = eligible(nodes, req, now, filters, opts.explain === true);
      if (e.nodes.length === 0) return decide(e, undefined);
      return decide(e, e.nodes[Math.floor(random() * e.nodes.length) % e.nodes.length]);
    },
  };
}
