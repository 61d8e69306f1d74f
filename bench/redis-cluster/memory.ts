import { JobProducer, RegistryRepository, createRedis } from '@switchyard/cluster';
import { keySpace } from '@switchyard/contracts';
import {
  cleanupPrefix,
  makeInferenceJob,
  makeNodeSnapshot,
  randomPrefix,
  testRedisUrl,
} from '@switchyard/testing';

/**
 * Redis memory per fleet member, from MEMORY USAGE on a real Redis (`REDIS_URL` or the local
 * one, under a random prefix that is deleted after): one registered node, one request waiting
 * in a model's shared queue, one request dispatched to a node, one open stream (its
 * reservation). `node -r ./bench/register-ts.js bench/redis-cluster/memory.ts`
 */
const N = 200;

async function main(): Promise<void> {
  const redis = createRedis(testRedisUrl(), { name: 'bench-memory' });
  const prefix = randomPrefix();
  const keys = keySpace(prefix);
  const usage = async (key: string) =>
    Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  const sumUnder = async (match: string) => {
    let total = 0;
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const k of found) total += await usage(k);
    } while (cursor !== '0');
    return total;
  };
  try {
    const repo = new RegistryRepository(redis, keys, { aliveTtlMs: 60_000 });
    for (let i = 0; i < N; i++) await repo.heartbeat(makeNodeSnapshot(`mem-node-${i}`));
    const nodeBytes = ((await sumUnder(`${prefix}{n:*`)) + (await usage(keys.nodes))) / N;
    const producer = new JobProducer(redis, keys);
    const model = 'llama3.1:8b';
    await producer.enqueueShared(model, makeInferenceJob('warm'));
    const q0 = await sumUnder(`${prefix}bull:*`);
    for (let i = 0; i < N; i++) await producer.enqueueShared(model, makeInferenceJob(`q-${i}`));
    const queuedBytes = ((await sumUnder(`${prefix}bull:*`)) - q0) / N;
    const j0 =
      (await usage(keys.nodeJobs('mem-node-0'))) + (await usage(keys.reservations('mem-node-0')));
    for (let i = 0; i < N; i++)
      await producer.dispatch('mem-node-0', makeInferenceJob(`d-${i}`), 1e9);
    const j1 =
      (await usage(keys.nodeJobs('mem-node-0'))) + (await usage(keys.reservations('mem-node-0')));
    const dispatchedBytes = (j1 - j0) / N;
    // Once a node pops the job only its reservation stays for the stream's life.
    const r0 = await usage(keys.reservations('mem-node-1'));
    for (let i = 0; i < N; i++)
      await producer.dispatch('mem-node-1', makeInferenceJob(`s-${i}`), 1e9);
    await redis.del(keys.nodeJobs('mem-node-1'));
    const streamBytes = ((await usage(keys.reservations('mem-node-1'))) - r0) / N;
    await producer.close();
    process.stdout.write(
      `${JSON.stringify({ nodeBytes, queuedBytes, dispatchedBytes, streamBytes, samples: N })}\n`,
    );
  } finally {
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  }
}

void main();
