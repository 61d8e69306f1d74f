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

/** What Redis itself says of a node, on Redis's clock: facts no gateway's stall can distort. */
export interface NodeLiveness {
  /** The alive key exists: the TTL of the last heartbeat has not run out, the node did not leave. */
  aliveKey: boolean;
  /**
   * Redis time now minus Redis time of the node's last heartbeat, in ms; null when the
   * record has no `heartbeatAt` (deregistered, pruned, or a worker that predates it).
   */
  heartbeatAgeMs: number | null;
}

/** Redis proves the node gone: its alive key expired, or its last heartbeat is too old. */
export function isGone(fact: NodeLiveness, staleAfterMs: number): boolean {
  return !fact.aliveKey || (fact.heartbeatAgeMs !== null && fact.heartbeatAgeMs > staleAfterMs);
}

const SNAPSHOT_FIELD = 'snapshot';
const HEARTBEAT_AT_FIELD = 'heartbeatAt';

/*
 * One heartbeat, stamped with Redis's own clock: stores the snapshot and `heartbeatAt`,
 * refreshes the alive key, registers the id and publishes the event carrying the stamp.
 * KEYS: node hash, alive key, nodes set; ARGV: id, snapshot JSON, ttl ms, events channel.
 * Returns the stamp (unix ms).
 */
const HEARTBEAT_SCRIPT = `
local t = redis.call('TIME')
local at = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', KEYS[1], '${SNAPSHOT_FIELD}', ARGV[2], '${HEARTBEAT_AT_FIELD}', at)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('PUBLISH', ARGV[4], '{"type":"heartbeat","heartbeatAt":' .. at .. ',"snapshot":' .. ARGV[2] .. '}')
return at
`;

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

  /**
   * Stores the snapshot, refreshes the alive key and announces it, atomically, stamped with
   * Redis's clock. Returns that stamp (unix ms on Redis's clock).
   */
  async heartbeat(snapshot: NodeSnapshot): Promise<number> {
    const id = snapshot.info.id;
    if (!isValidNodeId(id)) throw new RangeError(`invalid node id: ${JSON.stringify(id)}`);
    const at = await this.redis.eval(
      HEARTBEAT_SCRIPT,
      3,
      this.keys.node(id),
      this.keys.nodeAlive(id),
      this.keys.nodes,
      id,
      JSON.stringify(snapshot),
      Math.ceil(this.opts.aliveTtlMs),
      this.keys.registryEvents,
    );
    return Number(at);
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

  /**
   * Redis's own view of each node's liveness, in one round trip (Redis `TIME`, then the
   * alive key's PTTL and the stored `heartbeatAt` of each id). Throws when Redis does not
   * answer; the caller decides what an unreachable Redis means.
   */
  async liveness(ids: readonly string[]): Promise<Map<string, NodeLiveness>> {
    const out = new Map<string, NodeLiveness>();
    if (ids.length === 0) return out;
    const pipeline = this.redis.pipeline().time();
    for (const id of ids) {
      pipeline.pttl(this.keys.nodeAlive(id));
      pipeline.hget(this.keys.node(id), HEARTBEAT_AT_FIELD);
    }
    const replies = await pipeline.exec();
    if (replies === null) throw new Error('liveness: pipeline aborted');
    for (const [err] of replies) if (err) throw err;
    const [seconds, micros] = replies[0]![1] as [string, string];
    const redisNowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    ids.forEach((id, i) => {
      const pttl = replies[1 + 2 * i]![1] as number;
      const stamp = replies[2 + 2 * i]![1] as string | null;
      out.set(id, {
        // -2: no key; -1 (no TTL) cannot come from a heartbeat but still means the key is there.
        aliveKey: pttl !== -2,
        heartbeatAgeMs: stamp === null ? null : redisNowMs - Number(stamp),
      });
    });
    return out;
  }

  private async pruneDead(ids: string[]): Promise<void> {
    const keys = [this.keys.nodes];
    for (const id of ids) keys.push(this.keys.nodeAlive(id), this.keys.node(id));
    await this.redis.eval(PRUNE_DEAD_SCRIPT, keys.length, ...keys, ...ids);
  }
}
