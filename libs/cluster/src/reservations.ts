import type { KeySpace } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';

/**
 * Cluster-wide reservations: which requests every gateway replica has sent to each node and
 * not seen end (a sorted set per node, scored by when each lapses). Gateways claim them in
 * the dispatch script (`JobProducer.dispatch`), so two replicas acting on slightly stale views
 * cannot both fill the same "best" node past its slots; a node records here the requests it
 * pulls from shared queues. A reservation lapses after its TTL, so a gateway that dies holding
 * some does not shrink a node forever; the node sweeps lapsed entries. The key itself has no
 * TTL: an expiring key would take the live reservations of running requests with it.
 */

/**
 * How long a reservation outlives a holder that never releases it (a crashed gateway or
 * worker). Longer than any generation should take; shorter than an operator's patience.
 */
export const DEFAULT_RESERVATION_TTL_MS = 15 * 60_000;

/** Adds (or refreshes) one reservation without a limit: a node taking a queued request. */
const HOLD = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
return 1
`;

export class ReservationStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    /** How long a reservation outlives a holder that never releases it. */
    private readonly ttlMs: number = DEFAULT_RESERVATION_TTL_MS,
  ) {}

  /** Records a reservation a node made itself (it pulled a queued request). */
  async hold(nodeId: string, requestId: string): Promise<void> {
    await this.redis.eval(HOLD, 1, this.keys.reservations(nodeId), requestId, this.ttlMs);
  }

  async release(nodeId: string, requestId: string): Promise<void> {
    await this.redis.zrem(this.keys.reservations(nodeId), requestId);
  }
}
