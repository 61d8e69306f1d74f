import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Run, Scenario } from './run';

/** Faults of the cluster's Redis: it dies and returns (empty, no persistence), or refuses PUBLISH. */

function restartAfter(downMs: number): Scenario {
  let backAt = 0;
  return {
    name: `redis-restart-${downMs / 1000}s`,
    fault: `Redis gets \`kill -9\` and is started again (empty) ${downMs / 1000} s later`,
    inject: async (run) => {
      run.fleet.redis.kill9();
      run.mark('Redis killed (-9)');
      await sleep(downMs);
      await run.fleet.redis.restart();
      backAt = run.now();
      run.mark('Redis answers again');
    },
    after: async (run) => noteRecovery(run, backAt),
  };
}

/** When requests flowed again: the first one started after Redis returned that succeeded. */
export async function noteRecovery(run: Run, backAt: number): Promise<void> {
  const after = run.records.filter((r) => r.startMs >= backAt);
  const ok = after.filter((r) => r.outcome === 'ok');
  if (ok.length === 0) {
    run.note(`no request started after Redis returned succeeded (${after.length} started)`);
    return;
  }
  const first = Math.min(...ok.map((r) => r.startMs));
  const notOk = after.filter((r) => r.startMs < first).length;
  run.note(
    `requests flowed again ${((first - backAt) / 1000).toFixed(1)} s after Redis returned (${notOk} started in between did not succeed)`,
  );
}

export const REDIS_SCENARIOS: Scenario[] = [
  restartAfter(500),
  restartAfter(2000),
  {
    name: 'redis-refuses-publish',
    fault: 'for 1 s Redis refuses PUBLISH (`ACL SETUSER default -publish`)',
    inject: async (run) => {
      const admin = new Redis(run.fleet.redis.url, { lazyConnect: true });
      await admin.connect();
      try {
        await admin.call('ACL', 'SETUSER', 'default', '-publish');
        run.mark('PUBLISH refused');
        await sleep(1000);
        await admin.call('ACL', 'SETUSER', 'default', '+publish');
        run.mark('PUBLISH allowed again');
      } finally {
        await admin.quit();
      }
    },
  },
];
