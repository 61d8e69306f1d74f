import {
  isValidNodeId,
  type KeySpace,
  type NodeSnapshot,
  type RegistryEvent,
} from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';
import { RedisScript } from './redis-script';
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
 * refreshes the alive key and publishes the event carrying the stamp. Both keys carry the
 * node's tag (one slot); the node set, another slot, is written beside it.
 * KEYS: node hash, alive key; ARGV: snapshot JSON, ttl ms, events channel.
 * Returns the stamp (unix ms).
 */
const HEARTBEAT_SCRIPT = new RedisScript(
  `
local t = redis.call('TIME')
local at = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000))
redis.call('HSET', KEYS[1], '${SNAPSHOT_FIELD}', ARGV[1], '${HEARTBEAT_AT_FIELD}', at)
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('PUBLISH', ARGV[3], '{"type":"heartbeat","heartbeatAt":' .. at .. ',"snapshot":' .. ARGV[1] .. '}')
return at
`,
  2,
);

/*
 * Drops a node's record when its alive key is gone, atomically with the check (one slot),
 * so a node that heartbeats between our read and the prune keeps its record.
 * KEYS: alive key, node hash. Returns 1 when pruned.
 */
const PRUNE_DEAD_SCRIPT = new RedisScript(
  `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
return 1
`,
  2,
);

/*
 * A node's liveness on the clock of the shard holding its keys (each shard's own TIME, so
 * no clocks of two machines are compared). KEYS: alive key, node hash.
 * Returns {alive key PTTL, ms since heartbeatAt or -1 when there is none}.
 */
const LIVENESS_SCRIPT = new RedisScript(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local stamp = redis.call('HGET', KEYS[2], '${HEARTBEAT_AT_FIELD}')
local age = -1
if stamp then age = now - tonumber(stamp) end
return {redis.call('PTTL', KEYS[1]), age}
`,
  2,
);

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
    private readonly redis: RedisClient,
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
    // Two slots, two commands in one write (auto-pipelining); SADD is idempotent, so a node
    // pruned by a race, or lost in a failover, is back in the set on its next heartbeat.
    const [at] = await Promise.all([
      HEARTBEAT_SCRIPT.run(
        this.redis,
        [this.keys.node(id), this.keys.nodeAlive(id)],
        [JSON.stringify(snapshot), Math.ceil(this.opts.aliveTtlMs), this.keys.registryEvents],
      ),
      this.redis.sadd(this.keys.nodes, id),
    ]);
    return Number(at);
  }

  /** Removes the node at once (clean shutdown) and tells every view. */
  async deregister(nodeId: string): Promise<void> {
    const event: RegistryEvent = { type: 'left', nodeId };
    // The node's keys and the node set live in different slots: one transaction each.
    const result = await this.redis
      .multi()
      .del(this.keys.node(nodeId), this.keys.nodeAlive(nodeId))
      .publish(this.keys.registryEvents, JSON.stringify(event))
      .exec();
    assertExecOk(result, 'deregister');
    await this.redis.srem(this.keys.nodes, nodeId);
  }

  /**
   * Every node whose alive key exists and whose snapshot parses. Ids whose alive key has
   * expired are removed from the set and their hash deleted, so the set stays bounded.
   */
  async listAlive(): Promise<NodeSnapshot[]> {
    const ids = await this.redis.smembers(this.keys.nodes);
    if (ids.length === 0) return [];
    // Keys of many slots: no pipeline (a cluster refuses one across slots); commands issued
    // together still leave in one write per shard (auto-pipelining).
    const replies = await Promise.all(
      ids.map((id) =>
        Promise.all([
          this.redis.exists(this.keys.nodeAlive(id)),
          this.redis.hget(this.keys.node(id), SNAPSHOT_FIELD),
        ]),
      ),
    );

    const alive: NodeSnapshot[] = [];
    const dead: string[] = [];
    ids.forEach((id, i) => {
      const [exists, raw] = replies[i]!;
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
   * Redis's own view of each node's liveness, in one round trip (one script per node on the
   * shard holding its keys: the alive key's PTTL and the age of `heartbeatAt` by that shard's
   * `TIME`). Throws when Redis does not answer; the caller decides what that means.
   */
  async liveness(ids: readonly string[]): Promise<Map<string, NodeLiveness>> {
    const out = new Map<string, NodeLiveness>();
    if (ids.length === 0) return out;
    const replies = await Promise.all(
      ids.map(
        (id) =>
          LIVENESS_SCRIPT.run(
            this.redis,
            [this.keys.nodeAlive(id), this.keys.node(id)],
            [],
          ) as Promise<[number, number]>,
      ),
    );
    ids.forEach((id, i) => {
      const [pttl, age] = replies[i]!;
      out.set(id, {
        // -2: no key; -1 (no TTL) cannot come from a heartbeat but still means the key is there.
        aliveKey: pttl !== -2,
        heartbeatAgeMs: age < 0 ? null : age,
      });
    });
    return out;
  }

  /**
   * Per id: the record goes (atomically with the alive check, in the node's slot), then the
   * id leaves the set; an id whose alive key came back meanwhile is put back.
   */
  private async pruneDead(ids: string[]): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const alive = this.keys.nodeAlive(id);
        if ((await PRUNE_DEAD_SCRIPT.run(this.redis, [alive, this.keys.node(id)], [])) !== 1)
          return;
        await this.redis.srem(this.keys.nodes, id);
        if ((await this.redis.exists(alive)) === 1) await this.redis.sadd(this.keys.nodes, id);
      }),
    );
  }
}
