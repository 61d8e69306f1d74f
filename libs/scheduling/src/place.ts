import { CandidateLoad } from './candidate-load';
import { nodeId, type CandidateNode, type PlacementRequest } from './cluster-view';
import { loadLimitShare, type DecisionContext } from './decision-context';
import type { NodeFilter } from './filters/filter';
import {
  NO_EXPLANATIONS,
  lazyRows,
  type CandidateExplanation,
  type ExplanationColumns,
} from './explanation';
import { DEFAULT_FILTERS, lastRefusal, sweepFilters, type FilterName } from './filters/filters';
import type { PrefixAffinityIndex } from './prefix-affinity-index';
import { requestPrefixHashes } from './prefix-hash';
import { cachedShares, promptTokensOf } from './prefix-match';
import { Scratch } from './scratch';
import { DEFAULT_SCORERS, type WeightedScorer } from './scorers/scorers';
import { DEFAULT_TUNING, type PlacementTuning } from './tuning';

/** Everything a decision depends on besides the nodes and the request. */
export interface PlacementPolicy {
  /** Hard filters run first, then capacity filters (see NodeFilter), each in list order. */
  filters: readonly NodeFilter[];
  scorers: readonly WeightedScorer[];
  /** Breaks ties and draws exploration; injectable so tests are deterministic. */
  random: () => number;
  tuning: Readonly<PlacementTuning>;
  /** Unix ms of the decision, for staleness and affinity age; unchecked when absent. */
  now?: number;
  /** The gateway's prefix memory; prefix affinity is off without it. */
  prefixIndex?: PrefixAffinityIndex;
  /** Build per-candidate explanations (default true); off, `candidates` is empty. */
  explain?: boolean;
}

export const DEFAULT_POLICY: PlacementPolicy = {
  filters: DEFAULT_FILTERS,
  scorers: DEFAULT_SCORERS,
  random: Math.random,
  tuning: DEFAULT_TUNING,
};

interface DecisionBase {
  /** In the order of the input nodes; empty when explanations are off. */
  candidates: readonly CandidateExplanation[];
  /** This decision ignored prefix affinity on purpose (exploration). */
  explored: boolean;
}

export interface PlacedDecision extends DecisionBase {
  outcome: 'placed';
  chosen: CandidateNode;
  saturated: false;
  /**
   * Requests the caller may commit to the chosen node when it claims it: its slots, or twice
   * that when it probably caches the prompt's prefix — one request per slot may then queue
   * there rather than go to a node that would recompute the prefix.
   */
  claimLimit: number;
}

/**
 * Nodes could serve the request but every one of them is saturated: the caller should hold
 * it in admission (the model's overflow queue) until capacity frees, not fail it and not
 * pile it onto a full node.
 */
export interface SaturatedDecision extends DecisionBase {
  outcome: 'saturated';
  chosen: null;
  saturated: true;
}

/** No node can serve the request at all (model, state, modalities, selectors, circuit). */
export interface NoNodeDecision extends DecisionBase {
  outcome: 'no-node';
  chosen: null;
  saturated: false;
  /** The filter that removed the last candidate (what to tell the client); null: no nodes. */
  refusedBy: FilterName | null;
}

export type PlacementDecision = PlacedDecision | SaturatedDecision | NoNodeDecision;

const EMPTY_LOAD = new CandidateLoad();

/**
 * Picks the best node for a request: drop nodes that fail a filter, then take the highest
 * weighted score, ties broken at random. Pure apart from `policy.random`: the caller charges
 * the choice (its local in-flight count) at once, so the next decision in a burst sees it,
 * and records the prefix in its index.
 *
 * With explanations on (the default here; `createPlacer` defaults to off) the decision keeps
 * a copy of the filter codes and score columns it computed anyway and builds the
 * per-candidate rows on first read of `candidates`; that copy is still ~40 KB per
 * thousand-node decision, which the garbage collector notices (see bench/README.md).
 */
export function place(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  policy: PlacementPolicy = DEFAULT_POLICY,
): PlacementDecision {
  const explain = policy.explain !== false;
  const scratch = Scratch.acquire(nodes.length);
  const ctx: DecisionContext = {
    now: policy.now,
    tuning: policy.tuning,
    random: policy.random,
    prefixIndex: policy.prefixIndex,
    prefixHashes: policy.prefixIndex === undefined ? [] : requestPrefixHashes(req),
    promptTokens: promptTokensOf(req, policy.tuning.charsPerToken),
    cached: undefined,
    cachedColumn: scratch.cached,
    loadLimitShare: 0,
    load: EMPTY_LOAD,
    explored: false,
  };
  try {
    return decide(nodes, req, policy, ctx, scratch, explain);
  } finally {
    scratch.release();
  }
}

function decide(
  nodes: readonly CandidateNode[],
  req: PlacementRequest,
  policy: PlacementPolicy,
  ctx: DecisionContext,
  scratch: Scratch,
  explain: boolean,
): PlacementDecision {
  const { filters } = policy;
  const { codes, totals } = scratch;
  const load = scratch.load;
  sweepFilters(nodes, req, ctx, filters, codes);
  let n = 0;
  for (let i = 0; i < nodes.length; i++) if (codes[i] === 0) n++;
  const survivors = scratch.survivors; // reused: a fresh 1,000-slot array per decision was most of its garbage
  survivors.length = n;
  let saturatedCount = 0;
  let committed = 0;
  let slots = 0;
  for (let i = 0, k = 0; i < nodes.length; i++) {
    const code = codes[i]!;
    if (code !== 0) {
      if (filters[code - 1]!.kind === 'capacity') saturatedCount++;
      continue;
    }
    const node = nodes[i]!;
    survivors[k] = node;
    load.gather(k, node);
    committed += load.committed[k]!;
    slots += load.slots[k]!;
    k++;
  }
  let active = 0;
  for (const { weight } of policy.scorers) if (weight !== 0) active++;
  const columns: ExplanationColumns | null = explain
    ? {
        ids: idsOf(nodes),
        codes: codes.slice(0, nodes.length),
        filters,
        survivors: n,
        scorers: [],
        values: new Float64Array(n * (active + 1)),
        totalsOffset: n * active,
      }
    : null;
  const rows = columns === null ? null : lazyRows(columns);
  const base = {
    get candidates(): readonly CandidateExplanation[] {
      return rows === null ? NO_EXPLANATIONS : rows();
    },
    explored: false,
  };
  if (n === 0) {
    return saturatedCount > 0
      ? Object.assign(base, { outcome: 'saturated', chosen: null, saturated: true } as const)
      : Object.assign(base, {
          outcome: 'no-node',
          chosen: null,
          saturated: false,
          refusedBy: lastRefusal(codes, nodes.length, filters),
        } as const);
  }

  ctx.loadLimitShare = loadLimitShare(committed, slots, policy.tuning.loadBoundEpsilon);
  ctx.load = load;
  totals.fill(0, 0, n);
  const out = scratch.column;
  for (const { scorer, weight } of policy.scorers) {
    if (weight === 0) continue;
    const opinion = scorer.score(survivors, req, ctx, out);
    if (opinion) for (let i = 0; i < n; i++) totals[i] = totals[i]! + weight * out[i]!;
    if (columns !== null) {
      const offset = opinion ? columns.scorers.length * n : null;
      if (offset !== null) columns.values.set(out.subarray(0, n), offset);
      columns.scorers.push({ name: scorer.name, weight, offset });
    }
  }
  columns?.values.set(totals.subarray(0, n), columns.totalsOffset);

  let best = 0;
  let bestTotal = -Infinity;
  let ties = 0;
  for (let i = 0; i < n; i++) {
    let total = totals[i]!;
    if (total !== total) total = -Infinity; // a NaN score never wins, never blocks a choice
    if (total > bestTotal || ties === 0) {
      best = i;
      bestTotal = total;
      ties = 1;
    } else if (total === bestTotal) {
      // Reservoir choice among equals: each tied node is equally likely, so replicas that
      // see the same view do not all pick the first node.
      ties += 1;
      if (policy.random() * ties < 1) best = i;
    }
  }
  base.explored = ctx.explored;
  const chosen = survivors[best]!;
  const chosenSlots = chosen.snapshot.load.slotsTotal;
  const cached = cachedShares(survivors, req, ctx); // computed already when a scorer used it
  return Object.assign(base, {
    outcome: 'placed',
    chosen,
    saturated: false,
    claimLimit: cached !== null && cached[best]! > 0 ? 2 * chosenSlots : chosenSlots,
  } as const);
}

function idsOf(nodes: readonly CandidateNode[]): string[] {
  const ids = new Array<string>(nodes.length);
  for (let i = 0; i < nodes.length; i++) ids[i] = nodeId(nodes[i]!);
  return ids;
}
