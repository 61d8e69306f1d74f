import type { SharedQueueSummary } from '@switchyard/cluster';
import type { AdminModel, AdminNode, AdminQueue, NodeSnapshot } from '@switchyard/contracts';

/*
 * The admin API's answers, built from the gateway's cluster view (the nodes' last heartbeats)
 * and what Redis says of queues and heartbeat ages. Pure: no I/O, so every figure is unit
 * tested on hand-built snapshots.
 */

/** One node as the admin API shows it. */
export function adminNode(s: NodeSnapshot, heartbeatAgeMs: number | null): AdminNode {
  const { info, load } = s;
  return {
    id: info.id,
    state: info.state,
    stateReason: info.stateReason ?? null,
    engine: info.engine,
    models: info.models,
    labels: info.labels,
    slots: {
      total: load.slotsTotal,
      free: load.slotsFree,
      used: Math.max(0, load.slotsTotal - load.slotsFree),
    },
    running: load.running,
    waiting: load.waiting,
    kvCacheUsage: load.kvCacheUsage,
    prefixCacheHitRate: load.prefixCacheHitRate,
    prefillTokensPerSecond: load.prefillTokensPerSecond ?? null,
    decodeTokensPerSecond: load.decodeTokensPerSecond ?? null,
    promptTokensPerSecond: load.promptTokensPerSecond,
    generationTokensPerSecond: load.generationTokensPerSecond,
    ttftMs: load.ttftMs,
    ttftP50Ms: load.ttftP50Ms ?? null,
    derived: load.derived ?? [],
    accelerators: s.devices ?? [],
    heartbeatAgeMs,
    startedAt: info.startedAt,
    agentUrl: info.agentUrl ?? null,
    version: info.version,
  };
}

/** Nodes sorted by id, so a table does not reshuffle between refreshes. */
export function byId<T extends { id: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => a.id.localeCompare(b.id));
}

/** Sum of the non-null figures; null when every one is null. */
function sumKnown(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0);
}

function servesModel(n: AdminNode, model: string): boolean {
  return n.models.includes(model);
}

/** Every model a node serves or a queue holds, with supply and demand. */
export function adminModels(
  nodes: readonly AdminNode[],
  queues: ReadonlyMap<string, SharedQueueSummary>,
  models: Iterable<string>,
): AdminModel[] {
  return [...new Set(models)].sort().map((model) => {
    const serving = nodes.filter((n) => servesModel(n, model));
    const ready = serving.filter((n) => n.state === 'ready');
    const capacity = sumKnown(
      ready.map((n) =>
        n.decodeTokensPerSecond === null ? null : n.decodeTokensPerSecond * n.slots.total,
      ),
    );
    const generating = sumKnown(serving.map((n) => n.generationTokensPerSecond));
    return {
      model,
      servedBy: serving.map((n) => ({ node: n.id, state: n.state })),
      readyNodes: ready.length,
      capacity: {
        slots: ready.reduce((a, n) => a + n.slots.total, 0),
        generationTokensPerSecond: capacity,
      },
      demand: {
        running: serving.reduce((a, n) => a + n.running, 0),
        waiting: serving.reduce((a, n) => a + n.waiting, 0) + (queues.get(model)?.depth ?? 0),
        generationTokensPerSecond: generating,
        promptTokensPerSecond: sumKnown(serving.map((n) => n.promptTokensPerSecond)),
      },
      utilization:
        capacity !== null && capacity > 0 && generating !== null
          ? Math.min(1, generating / capacity)
          : null,
    };
  });
}

/** What waits for each model: in its shared queue and on the nodes serving it. */
export function adminQueues(
  nodes: readonly AdminNode[],
  queues: ReadonlyMap<string, SharedQueueSummary>,
): AdminQueue[] {
  return [...queues.keys()].sort().map((model) => {
    const q = queues.get(model)!;
    return {
      model,
      shared: q.depth,
      byPriorityClass: q.byPriorityClass,
      oldestWaitMs: q.oldestWaitMs,
      onNodes: nodes.filter((n) => servesModel(n, model)).reduce((a, n) => a + n.waiting, 0),
    };
  });
}
