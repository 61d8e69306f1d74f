import { startPrivateRedis, waitFor, type PrivateRedis } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * Redis is the cluster's shared state. When it dies, requests get a prompt retryable 503
 * (never a hang or a 500); when it comes back, the cluster recovers by itself.
 */
const MODEL = 'e2e-outage';
let redis: PrivateRedis;
let fleet: Fleet;

beforeAll(async () => {
  redis = await startPrivateRedis();
  fleet = await startFleet({
    model: MODEL,
    redisUrl: redis.url,
    nodes: [{ slots: 2, decodeMs: 1 }],
  });
}, 60000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await redis?.stop();
});

const ask = () =>
  fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 4,
      messages: [{ role: 'user', content: 'hi' }],
    }),
    signal: AbortSignal.timeout(15000),
  });

it('answers 503 with Retry-After promptly while Redis is down, and recovers when it is back', async () => {
  expect((await ask()).status).toBe(200);

  redis.kill9();
  const started = Date.now();
  const res = await ask();
  expect(Date.now() - started).toBeLessThan(10000);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  const body = (await res.json()) as { error: { type: string; code: string } };
  expect(body.error.type).toBe('service_unavailable_error');
  expect(['cluster_unavailable', 'no_capacity']).toContain(body.error.code);
  expect((await fetch(`${fleet.gatewayUrl}/readyz`)).status).toBe(503);

  await redis.restart();
  await waitFor(async () => (await ask()).status === 200, {
    timeoutMs: 20000,
    intervalMs: 250,
    what: 'the cluster to recover',
  });
}, 60000);
