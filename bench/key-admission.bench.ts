/*
 * Microbenchmark of what API keys add to one request's admission (not a test).
 *
 *   npm run bench:keys [-- --iterations 5000 --rounds 3]
 *
 * Times the gateway's tenancy unit in process against the real Redis (REDIS_URL, default
 * 127.0.0.1:6379) under a random key prefix, side by side:
 *   - auth off: no key, the anonymous tenant (what every request paid before keys);
 *   - a key, no limits: hash, cached record lookup, model allow-list;
 *   - a key with RPM, TPM, concurrency and a budget: the above plus the one admission script.
 * The end of each request (slot release, usage correction and counters) runs off the
 * response's path in the gateway; here it is awaited after each timed call, untimed, so
 * Redis carries the same load. Wall-clock percentiles: the load average is printed too.
 */
import { loadavg } from 'node:os';
import { createRedis, type ClusterViewStore } from '@switchyard/cluster';
import { gatewayConfigSchema } from '@switchyard/config';
import { keySpace } from '@switchyard/contracts';
import { cleanupPrefix, randomPrefix, testRedisUrl } from '@switchyard/testing';
import {
  displayOf,
  hashApiKey,
  keyIdOf,
  newApiKey,
  type KeyRecord,
} from '../apps/gateway/src/tenancy/api-key';
import { ApiKeyRepository } from '../apps/gateway/src/tenancy/api-key.repository';
import { KeyDirectory } from '../apps/gateway/src/tenancy/key-directory';
import { KeyLimiter } from '../apps/gateway/src/tenancy/key-limits';
import { Tenancy } from '../apps/gateway/src/tenancy/tenancy.service';
import { UsageRepository } from '../apps/gateway/src/tenancy/usage.repository';

const MODEL = 'bench-model';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const iterations = arg('iterations', 5000);
  const rounds = arg('rounds', 3);
  const prefix = randomPrefix();
  const keys = keySpace(prefix);
  const redis = createRedis(testRedisUrl(), { name: 'bench-keys' });
  const repository = new ApiKeyRepository(redis, keys);
  const usage = new UsageRepository(redis, keys);
  const limiter = new KeyLimiter(redis, keys, 960_000);

  async function tenancy(auth: 'off' | 'required'): Promise<Tenancy> {
    const config = gatewayConfigSchema.parse({ keyPrefix: prefix, auth, logLevel: 'silent' });
    const subscriber = createRedis(testRedisUrl(), { subscriber: true });
    const directory = new KeyDirectory([], repository, config.keyCacheTtlMs);
    const view = { knownModels: () => new Set([MODEL]) } as unknown as ClusterViewStore;
    const t = new Tenancy(config, subscriber, keys, repository, directory, limiter, usage, view);
    await t.onModuleInit();
    return t;
  }

  async function issue(limits: KeyRecord['limits']): Promise<string> {
    const key = newApiKey();
    const hash = hashApiKey(key);
    await repository.put({
      id: keyIdOf(hash),
      hash,
      display: displayOf(key),
      tenant: 'bench',
      models: [MODEL],
      routingHeaders: false,
      limits,
      createdAt: new Date().toISOString(),
      revoked: false,
    });
    return key;
  }

  const open = await tenancy('off');
  const closed = await tenancy('required');
  const plain = await issue({ budgetPeriod: 'month' });
  const limited = await issue({
    rpm: 1e9,
    tpm: 1e12,
    maxConcurrency: 1e6,
    budgetTokens: 1e15,
    budgetPeriod: 'month',
  });

  const rows: [string, Tenancy, Record<string, string>][] = [
    ['auth off (anonymous)', open, {}],
    ['key, no limits', closed, { authorization: `Bearer ${plain}` }],
    ['key + rpm/tpm/concurrency/budget', closed, { authorization: `Bearer ${limited}` }],
  ];
  console.log(
    `load average before: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const p50s = new Map<string, number[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, t, headers] of rows) {
      const times: number[] = [];
      for (let i = 0; i < iterations + 500; i++) {
        const start = process.hrtime.bigint();
        const principal = await t.authenticate(headers);
        t.authorize(principal, MODEL, MODEL);
        const grant = await t.admit(principal, `r${round}-${i}`, 40);
        const took = Number(process.hrtime.bigint() - start) / 1e6;
        if (grant) await limiter.settle(grant, 60);
        if (i >= 500) times.push(took);
      }
      times.sort((a, b) => a - b);
      const p50 = percentile(times, 0.5);
      (p50s.get(name) ?? p50s.set(name, []).get(name)!).push(p50);
      console.log(
        `round ${round}  ${name.padEnd(34)} p50 ${p50.toFixed(4)} ms  p90 ${percentile(times, 0.9).toFixed(4)} ms  p99 ${percentile(times, 0.99).toFixed(4)} ms`,
      );
    }
  }
  console.log(
    `load average after: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  const base = median(p50s.get(rows[0]![0])!);
  const worst = median(p50s.get(rows[2]![0])!);
  const added = worst - base;
  console.log(
    `added by a key with every limit, p50 (median round): ${added.toFixed(4)} ms — ${added < 0.3 ? 'within' : 'OVER'} the 0.3 ms budget`,
  );
  await Promise.all([open.onModuleDestroy(), closed.onModuleDestroy()]);
  await cleanupPrefix(redis, prefix);
  await redis.quit();
}

void main();
