import { Redis } from 'ioredis';
import { startPrivateRedis, type PrivateRedis } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * The ACL rules docs/redis.md gives per role, on a real Redis: a gateway and a worker each
 * logged in as their own restricted user (keys and channels limited to the fleet's prefix)
 * serve streaming and queued requests.
 */
const MODEL = 'e2e-acl';
const COMMON = [
  '-@all',
  '+@read',
  '+@write',
  '+@scripting',
  '+@pubsub',
  '+@connection',
  '+@transaction',
  '+info',
  '+cluster|slots',
  '+cluster|shards',
  '+cluster|nodes',
  '+cluster|info',
  '+time',
  '-flushall',
  '-flushdb',
  '-keys',
  '-debug',
];
let redis: PrivateRedis;
let fleet: Fleet;

beforeAll(async () => {
  redis = await startPrivateRedis();
  const admin = new Redis(redis.url);
  const port = redis.url.split(':').at(-1);
  // The fleet's random prefix is not known before it starts: the users may use `sytest:*`.
  const scope = ['~sytest:*', '&sytest:*'];
  await admin.call('ACL', 'SETUSER', 'sy-gateway', 'on', '>gw-pass', ...scope, ...COMMON);
  await admin.call(
    'ACL',
    'SETUSER',
    'sy-worker',
    'on',
    '>wk-pass',
    ...scope,
    ...COMMON,
    '+@blocking',
  );
  await admin.quit();
  fleet = await startFleet({
    model: MODEL,
    redisUrl: `redis://sy-worker:wk-pass@127.0.0.1:${port}`,
    nodes: [{ slots: 1, decodeMs: 5 }],
    gatewayEnv: { REDIS_URL: `redis://sy-gateway:gw-pass@127.0.0.1:${port}` },
  });
}, 90000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await redis?.stop();
}, 60000);

it('serves direct and queued requests, streaming and whole, under the documented ACLs', async () => {
  const ask = (i: number) =>
    fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content: `acl ${i}` }],
        max_tokens: 40,
        stream: i % 2 === 0,
      }),
    }).then(async (res) => ({ status: res.status, body: await res.text() }));
  // One slot, four requests: three wait in the shared queue (BullMQ under the gateway's user).
  const answers = await Promise.all([0, 1, 2, 3].map(ask));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
  expect(answers[0]!.body).toMatch(/data: \[DONE\]/);
});
