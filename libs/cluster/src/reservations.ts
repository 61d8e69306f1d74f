import type { KeySpace } from '@switchyard/contracts';
import type { Redis } from 'ioredis';

/**
 * Cluster-wide reservations: which requests every gateway replica has sent to each node and
 * not seen end. Placement reads them instead of one replica's own count, and claims a slot
 * with one atomic script, so two replicas acting on slightly stale views cannot both fill
 * the same "best" node past its slots. A reservation lapses after its TTL, so a gateway that
 * dies holding some does not shrink a node forever.
 */

/**
 * How long a reservation outlives a holder that never releases it (a crashed gateway or
 * worker). Longer than any generation should take; shorter than an operator's patience.
 */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

/** One node the caller would accept, best first, with how many reservations it may hold. */
export interface ReservationOffer {
  nodeId: string;
  /** The node's slots: a reservation is granted only while fewer than this are held. */
  limit: number;
}

export interface ReservationResult {
  /** The node granted, or null when every offered node was at its limit. */
  nodeId: string | null;
  /** Live reservations per offered node after the call (the granted one included). */
  held: Map<string, number>;
}

/*
 * KEYS: one reservations key per offered node, in rank order. ARGV: request id, ttl ms, then
 * one limit per key. Drops lapsed entries, grants the first node under its limit, and
 * returns [granted index or -1, count per key...]. Redis TIME keeps every replica on one clock.
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[2])
local granted = -1
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local n = redis.call('ZCARD', key)
  if granted == -1 and n < tonumber(ARGV[2 + i]) then
    redis.call('ZADD', key, now + ttl, ARGV[1])
    redis.call('PEXPIRE', key, ttl)
    granted = i - 1
    n = n + 1
  end
  counts[i] = n
end
table.insert(counts, 1, granted)
return counts
`;

/** Adds (or refreshes) one reservation without a limit: a node taking a queued request. */
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
`;

/** Live reservation counts of the given keys. */
const COUNT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local counts = {}
for i, key in ipairs(KEYS) do
  counts[i] = redis.call('ZCOUNT', key, '(' .. now, '+inf')
end
return counts
`;

export class ReservationStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    /** How long a reservation outlives a holder that never releases it. */
    private readonly ttlMs: number = DEFAULT_RESERVATION_TTL_MS,
  ) {}

  /** Grants the first offered node with room; one round trip. */
  async reserve(
    requestId: string,
    offers: readonly ReservationOffer[],
  ): Promise<ReservationResult> {
    if (offers.length === 0) return { nodeId: null, held: new Map() };
    const reply = (await this.redis.eval(
      RESERVE,
      offers.length,
      ...offers.map((o) => this.keys.reservations(o.nodeId)),
      requestId,
      this.ttlMs,
      ...offers.map((o) => Math.max(0, Math.floor(o.limit))),
    )) as number[];
    const [granted = -1, ...counts] = reply;
    const held = new Map(offers.map((o, i) => [o.nodeId, counts[i] ?? 0]));
    return { nodeId: granted >= 0 ? (offers[granted]?.nodeId ?? null) : null, held };
  }

  /** Records a reservation a node made itself (it pulled a queued request). */
  async hold(nodeId: string, requestId: string): Promise<void> {
    await this.redis.eval(HOLD, 1, this.keys.reservations(nodeId), requestId, this.ttlMs);
  }

  async release(nodeId: string, requestId: string): Promise<void> {
    await this.redis.zrem(this.keys.reservations(nodeId), requestId);
  }

  /** Live reservations per node. */
  async counts(nodeIds: readonly string[]): Promise<Map<string, number>> {
    if (nodeIds.length === 0) return new Map();
    const reply = (await this.redis.eval(
      COUNT,
      nodeIds.length,
      ...nodeIds.map((id) => this.keys.reservations(id)),
    )) as number[];
    return new Map(nodeIds.map((id, i) => [id, reply[i] ?? 0]));
  }
}
