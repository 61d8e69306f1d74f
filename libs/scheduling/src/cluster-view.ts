import type { NodeSnapshot } from '@switchyard/contracts';

/**
 * What placement sees of one node: the registry snapshot plus this gateway's own
 * reservations on it that the snapshot cannot know about yet.
 */
export interface CandidateNode {
  snapshot: NodeSnapshot;
  /** Requests this gateway placed on the node that have not ended yet. */
  localInFlight: number;
}

/** The placement-relevant facts of one request. */
export interface PlacementRequest {
  model: string;
  modalities: readonly string[];
}

export function nodeId(c: CandidateNode): string {
  return c.snapshot.info.id;
}

/**
 * Work the node has taken or will take: the larger of what it reported and what this
 * gateway alone has in flight there (the report lags by up to one heartbeat).
 */
export function committedWork(c: CandidateNode): number {
  const { load } = c.snapshot;
  return Math.max(load.running + load.waiting, c.localInFlight);
}

export function freeSlots(c: CandidateNode): number {
  return c.snapshot.load.slotsTotal - committedWork(c);
}
