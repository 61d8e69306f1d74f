import { waitFor } from '@switchyard/testing';
import { hang } from './support/scripts';
import { MODEL, counterValue, useGateway, type TestGateway } from './support/gateway-harness';

/**
 * A request no node can start is refused with 429 and Retry-After: after waiting
 * `maxQueueWaitMs` (deadline), or at once when its model's shared queue is at its bound.
 */

const queuedRequests = async (gw: TestGateway): Promise<number> =>
  counterValue(await gw.metrics(), 'switchyard_queued_requests', { model: MODEL });

/** One node with one slot, busy with a request that never ends. */
async function saturate(gw: TestGateway): Promise<void> {
  const a = await gw.node({ id: 'node-a', script: hang() });
  await gw.untilReadyNodes(1);
  void gw.chat({ stream: true }).catch(() => undefined);
  await waitFor(() => a.jobs.length === 1, { what: 'node-a to run the first request' });
}

describe('deadline', () => {
  const gw = useGateway({ maxQueueWaitMs: 400 });

  it('every node saturated: 429 with Retry-After in the OpenAI shape after the wait', async () => {
    await saturate(gw);
    const startedAt = Date.now();

    const res = await gw.chat({ stream: true });

    expect(res.status).toBe(429);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // The refused request does not stay behind in the shared queue.
    await waitFor(async () => (await queuedRequests(gw)) === 0, {
      what: 'the shared queue to be empty',
    });
    const metrics = await gw.metrics();
    expect(
      counterValue(metrics, 'switchyard_admission_rejections_total', { reason: 'deadline' }),
    ).toBe(1);
  });

  it('every node saturated: 429 with Retry-After in the Anthropic shape after the wait', async () => {
    await saturate(gw);

    const res = await gw.chat({
      path: '/v1/messages',
      body: {
        model: MODEL,
        max_tokens: 16,
        stream: true,
        messages: [{ role: 'user', content: 'anthropic client' }],
      },
    });

    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as { type: string; error: { type: string } };
    expect(body).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });
});

describe('queue bound', () => {
  const gw = useGateway({ maxQueuedPerModel: 1, maxQueueWaitMs: 20_000 });

  it('the shared queue full: 429 with Retry-After at once', async () => {
    await saturate(gw);
    const waiting = gw.chat({ stream: true });
    await waitFor(async () => (await queuedRequests(gw)) === 1, {
      what: 'one request in the shared queue',
    });
    const startedAt = Date.now();

    const res = await gw.chat({ stream: true });

    expect(res.status).toBe(429);
    // Refused at once, not after the 20 s wait.
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(res.headers.get('retry-after')).toBe('2');
    const body = (await res.json()) as { error: { type: string; code: string } };
    expect(body.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    // The request already waiting keeps its place.
    expect(await queuedRequests(gw)).toBe(1);
    const metrics = await gw.metrics();
    expect(
      counterValue(metrics, 'switchyard_admission_rejections_total', { reason: 'queue_full' }),
    ).toBe(1);
    void waiting.catch(() => undefined);
  });
});
