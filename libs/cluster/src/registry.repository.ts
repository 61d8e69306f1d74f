import {
  isValidNodeId,
  type KeySpace,
  type NodeSnapshot,
  type RegistryEvent,
} from '@switchyard/contracts';
import type { Redis } from 'ioredis';
import { parseNodeSnapshot } from './registry-event.schema';

export interface RegistryRepositoryOptions {
  /** How long a node counts as alive after its last heartbeat. */
  aliveTtlMs: number;
}

const SNAPSHOT_FIELD = 'snapshot';

/*
 * Drops ids whose alive key is gone, atomically with the check, so a node that heartbeats
 * between our read and the prune keeps its registration. All keys share the `{reg}` tag.
 * KEYS[1] = nodes set, then per id: alive key, node hash; ARGV = ids.
 */
const PRUNE_DEAD_SCRIPT = `
local pruned = 0
for i, id in ipairs(ARGV) do
  if redis.call('EXISTS', KEYS[2 * i]) == 0 then
    redis.call('SREM', KEYS[1], id)
    redis.call('DEL', KEYS[2 * i + 1])
    pruned = pruned + 1
  end
end
return pruned
`;

type ExecResult = [error: Error | null, result: unknown][] | null;

function assertExecOk(result: ExecResult, what: string): void {
  if (result === null) throw new Error(`${what}: transaction aborted`);
  for (const [err] of result) if (err) throw err;
}

/**
 * The node registry in Redis: one hash per node (latest snapshot), an alive key with a TTL,
 * the set of node ids, and every change published on the registry events channel.
 * Uses the given connection (not a subscriber); the caller owns and closes it.
 */
export class RegistryRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    private readonly opts: RegistryRepositoryOptions,
  ) {
    if (!(opts.aliveTtlMs > 0)) throw new RangeError('aliveTtlMs must be positive');
  }

  /** Stores the snapshot, refreshes the alive key and announces it, in one transaction. */
  async heartbeat(snapshot: NodeSnapshot): Promise<void> {
    const id = snapshot.info.id;
    if (!isValidNodeId(id)) throw new RangeError(`invalid node id: ${JSON.stringify(id)}`);
    const json = JSON.stringify(snapshot);
    // Built from the already serialised snapshot: heartbeats are the registry's hot path.
    const event = `{"type":"heartbeat","snapshot":${json}}`;
    const result = await this.redis
      .multi()
      .hset(this.keys.node(id), SNAPSHOT_FIELD, json)
      .set(this.keys.nodeAlive(id), '1', 'PX', Math.ceil(this.opts.aliveTtlMs))
      .sadd(this.keys.nodes, id)
      .publish(this.keys.registryEvents, event)
      .exec();
    assertExecOk(result, 'heartbeat');
  }

  /** Removes the node at once (clean shutdown) and tells every view. */
  async deregister(nodeId: string): Promise<void> {
    const event: RegistryEvent = { type: 'left', nodeId };
    const result = await this.redis
      .multi()
      .del(this.keys.node(nodeId), this.keys.nodeAlive(nodeId))
      .srem(this.keys.nodes, nodeId)
      .publish(this.keys.registryEvents, JSON.stringify(event))
      .exec();
    assertExecOk(result, 'deregister');
  }

  /**
   * Every node whose alive key exists and whose snapshot parses. Ids whose alive key has
   * expired are removed from the set and their hash deleted, so the set stays bounded.
   */
  async listAlive(): Promise<NodeSnapshot[]> {
    const ids = await this.redis.smembers(this.keys.nodes);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) {
      pipeline.exists(this.keys.nodeAlive(id));
      pipeline.hget(this.keys.node(id), SNAPSHOT_FIELD);
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('listAlive: pipeline aborted');

    const alive: NodeSnapshot[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const [existsErr, exists] = replies[2 * i] ?? [null, 0];
      const [hgetErr, raw] = replies[2 * i + 1] ?? [null, null];
      if (existsErr) throw existsErr;
      if (hgetErr) throw hgetErr;
      if (exists !== 1) {
        dead.push(id);
        return;
      }
      const snapshot = typeof raw === 'string' ? parseNodeSnapshot(raw) : undefined;
      // A snapshot filed under another id would let one node impersonate another.
      if (snapshot !== undefined && snapshot.info.id === id) alive.push(snapshot);
    });
    if (dead.length > 0) await this.pruneDead(dead);
    return alive;
  }

  private async pruneDead(ids: string[]): Promise<void> {
    const keys = [this.keys.nodes];
    for (const id of ids) keys.push(this.keys.nodeAlive(id), this.keys.node(id));
    await this.redis.eval(PRUNE_DEAD_SCRIPT, keys.length, ...keys, ...ids);
  }
}
