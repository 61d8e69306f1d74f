import { waitFor } from '@switchyard/testing';
import { KeyLimiter, RateLimited } from '../../apps/gateway/src/tenancy/key-limits';
import { useRedisContext } from './redis-context';

/** The admission script on real Redis: what it takes, what it gives back, and its safety net. */
describe('KeyLimiter', () => {
  const ctx = useRedisContext();
  const month = { budgetPeriod: 'month' } as const;

  it('touches only keys of one hash tag per tenant (single-slot on Redis Cluster)', async () => {
    const limiter = new KeyLimiter(ctx.redis, ctx.keys, 60_000);
    const grant = await limiter.admit(
      'team-a',
      'k1',
      { ...month, rpm: 10, tpm: 1000, maxConcurrency: 2, budgetTokens: 10_000 },
      { ...month, rpm: 100, maxConcurrency: 5 },
      'r1',
      20,
    );
    const written = await ctx.redis.keys(`${ctx.prefix}*`);
    expect(written.length).toBeGreaterThanOrEqual(6);
    const tags = new Set(written.map((k) => /\{([^}]*)\}/.exec(k)?.[1]));
    expect(tags).toEqual(new Set(['t:team-a']));
    await limiter.settle(grant!, 30);
  });

  it('frees a slot its gateway never released once the safety TTL passes', async () => {
    const limiter = new KeyLimiter(ctx.redis, ctx.keys, 300);
    const limits = { ...month, maxConcurrency: 1 };
    await limiter.admit('team-b', 'k2', limits, undefined, 'lost-request', 0);
    await expect(limiter.admit('team-b', 'k2', limits, undefined, 'r2', 0)).rejects.toBeInstanceOf(
      RateLimited,
    );
    await waitFor(async () =>
      limiter.admit('team-b', 'k2', limits, undefined, 'r3', 0).then(
        () => true,
        () => false,
      ),
    );
  });

  it('takes nothing when one limit refuses, and refunds the unused estimate at the end', async () => {
    const limiter = new KeyLimiter(ctx.redis, ctx.keys, 60_000);
    const limits = { ...month, budgetTokens: 100, maxConcurrency: 1 };
    const first = await limiter.admit('team-c', 'k3', limits, undefined, 'r1', 90);
    // Over concurrency: the budget is not charged for the refused request.
    await expect(limiter.admit('team-c', 'k3', limits, undefined, 'r2', 5)).rejects.toMatchObject({
      code: 'SY_RATE_LIMITED',
      message: expect.stringContaining('concurrent requests') as unknown,
    });
    // It used 10 of its 90: 90 tokens of budget left.
    await limiter.settle(first!, 10);
    await expect(limiter.admit('team-c', 'k3', limits, undefined, 'r3', 90)).resolves.toBeDefined();
  });

  it('admits without a script call when neither key nor tenant has limits', async () => {
    const limiter = new KeyLimiter(ctx.redis, ctx.keys, 60_000);
    expect(await limiter.admit('team-d', 'k4', month, undefined, 'r1', 10)).toBeUndefined();
    expect(await ctx.redis.keys(`${ctx.prefix}*`)).toEqual([]);
  });
});
