import { answer, hang, slow } from './support/scripts';
import { SseReader, useGateway } from './support/gateway-harness';
import { streamed } from './support/openai-stream';

/**
 * A gateway told to stop (SIGTERM) drains: readiness turns red and new requests get the
 * dialect's 503 with Retry-After at once, while the streams it is serving run to their end.
 */
const gw = useGateway({ drainGraceMs: 10_000 });

it('lets running streams finish and refuses new requests while it drains', async () => {
  await gw.node({ id: 'node-a', slots: 4, script: slow(150, 'one two three four', 4) });
  await gw.untilReadyNodes(1);
  const streams = await Promise.all([1, 2, 3].map(() => gw.chat({ stream: true })));
  const readers = streams.map((res) => new SseReader(res));
  await Promise.all(readers.map((r) => r.until((f) => f.includes('"content"'))));

  const stopping = gw.stop();

  const ready = await fetch(`${gw.url}/readyz`);
  expect(ready.status).toBe(503);
  expect(await ready.json()).toMatchObject({ draining: true });
  const refused = await gw.chat();
  expect(refused.status).toBe(503);
  expect(refused.headers.get('retry-after')).toBe('1');
  expect(await refused.json()).toMatchObject({
    error: { type: 'service_unavailable_error', code: 'shutting_down' },
  });

  for (const r of readers) {
    const frames = await r.rest();
    expect(frames.at(-1)).toBe('[DONE]');
    expect(streamed(frames).text).toBe('one two three four');
  }
  await stopping;
});

describe('when the grace runs out', () => {
  const short = useGateway({ drainGraceMs: 500 });

  it('closes anyway, cutting what still runs', async () => {
    await short.node({ id: 'node-a', script: hang(1) });
    await short.untilReadyNodes(1);
    const reader = new SseReader(await short.chat({ stream: true }));
    await reader.until((f) => f.includes('"content"'));
    const started = Date.now();
    await short.stop();
    expect(Date.now() - started).toBeLessThan(5000);
    await reader.rest().catch(() => undefined);
  });
});

describe('while a load balancer may not have noticed yet', () => {
  const lagging = useGateway({ drainGraceMs: 3000, drainAcceptMs: 1500 });

  it('requests that still arrive in the accept window are served, with connection: close', async () => {
    const node = await lagging.node({ id: 'node-a', slots: 4, script: hang(1) });
    await lagging.untilReadyNodes(1);
    // A long stream keeps the drain open past the accept window.
    const long = new SseReader(await lagging.chat({ stream: true }));
    await long.until((f) => f.includes('"content"'));
    node.use(answer('served'));
    const stopping = lagging.stop();
    expect((await fetch(`${lagging.url}/readyz`)).status).toBe(503);
    const served = await lagging.chat({ headers: { 'content-type': 'application/json' } });
    expect(served.status).toBe(200);
    expect(served.headers.get('connection')).toBe('close');
    await new Promise((r) => setTimeout(r, 1700));
    expect((await lagging.chat()).status).toBe(503);
    await stopping;
  });
});
