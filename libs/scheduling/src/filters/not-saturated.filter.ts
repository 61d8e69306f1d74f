import { queuedWork, type CandidateNode } from '../cluster-view';
import type { DecisionContext } from '../decision-context';
import type { PlacementTuning } from '../tuning';
import type { NodeFilter } from './filter';

/** Why a node counts as saturated, or null when it does not. */
export type Saturation = 'queue' | 'kv-cache' | 'stale' | null;

/**
 * A node is saturated when its queue reaches `maxQueuePerSlot` per slot (counting this
 * gateway's own reservations), its KV cache is nearly full, or its snapshot is too old to
 * trust. `now` undefined skips the staleness check.
 */
export function saturation(
  node: CandidateNode,
  tuning: Readonly<PlacementTuning>,
  now: number | undefined,
): Saturation {
  const { load, at } = node.snapshot;
  if (now !== undefined && now - at > tuning.staleAfterMs) return 'stale';
  const slots = load.slotsTotal > 1 ? load.slotsTotal : 1;
  if (queuedWork(node) >= tuning.maxQueuePerSlot * slots) return 'queue';
  if (load.kvCacheUsage !== null && load.kvCacheUsage >= tuning.maxKvCacheUsage) return 'kv-cache';
  return null;
}

function accepts(node: CandidateNode, _req: unknown, ctx: DecisionContext): boolean {
  return saturation(node, ctx.tuning, ctx.now) === null;
}

/**
 * A capacity filter: when it removes every node that could serve the request, `place()`
 * answers `saturated` so the caller queues the request instead of piling onto a full node.
 */
export const notSaturatedFilter: NodeFilter = {
  name: 'not-saturated',
  kind: 'capacity',
  accepts,
  sweep: (nodes, req, ctx, removed, code) => {
    for (let i = 0; i < nodes.length; i++) {
      if (removed[i] === 0 && !accepts(nodes[i]!, req, ctx)) removed[i] = code;
    }
  },
};
