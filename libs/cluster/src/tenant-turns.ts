import type { KeySpace } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';

/** How long a tenant's turn count is remembered after its last queued request. */
const TURN_WINDOW_MS = 60_000;

/**
 * Turns of tenants queueing for one model and priority class, counted across every gateway
 * replica: the basis of fair interleaving in the shared queue.
 */
export class TenantTurns {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /** The tenant's turn for one more queued request: 1 for its first in the window, then 2, 3, … */
  async next(model: string, priorityClass: number, tenant: string): Promise<number> {
    const key = this.keys.tenantTurns(model, priorityClass, tenant);
    const reply = await this.redis.multi().incr(key).pexpire(key, TURN_WINDOW_MS).exec();
    const turn = reply?.[0]?.[1];
    return typeof turn === 'number' ? turn : 1;
  }
}
