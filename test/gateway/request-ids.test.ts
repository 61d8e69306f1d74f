import { useGateway } from './support/gateway-harness';

/**
 * The request id a client sees is its own `x-request-id` when it sent a usable one; every
 * response carries one, GET routes too; it and the W3C trace context reach the node (which
 * sends them to the engine), while inside the cluster each request keeps an id of its own.
 */
const gw = useGateway();
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

it('honours an incoming x-request-id and forwards it with traceparent to the node', async () => {
  const node = await gw.node({ id: 'node-a' });
  await gw.untilReadyNodes(1);
  const res = await gw.chat({
    headers: { 'x-request-id': 'client-abc-1', traceparent: TRACEPARENT },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('client-abc-1');
  const job = node.jobs[0]!.job;
  expect(job.request.trace).toEqual({ requestId: 'client-abc-1', traceparent: TRACEPARENT });
  expect(job.request.id).not.toBe('client-abc-1');
});

it('two clients sending the same id are two requests', async () => {
  await gw.node({ id: 'node-a', slots: 2 });
  await gw.untilReadyNodes(1);
  const same = { 'x-request-id': 'reused' };
  const both = await Promise.all([gw.chat({ headers: same }), gw.chat({ headers: same })]);
  expect(both.map((r) => r.status)).toEqual([200, 200]);
});

it('replaces an unusable id and a malformed traceparent; GET routes carry an id too', async () => {
  const node = await gw.node({ id: 'node-a' });
  await gw.untilReadyNodes(1);
  const res = await gw.chat({
    headers: { 'x-request-id': 'has spaces and\ttabs', traceparent: 'not-a-trace' },
  });
  const id = res.headers.get('x-request-id')!;
  expect(id).toMatch(/^[0-9a-f]{32}$/);
  expect(node.jobs[0]!.job.request.trace).toEqual({ requestId: id });
  const health = await fetch(`${gw.url}/healthz`, { headers: { 'x-request-id': 'probe-1' } });
  expect(health.headers.get('x-request-id')).toBe('probe-1');
  expect((await fetch(`${gw.url}/v1/models`)).headers.get('x-request-id')).toMatch(
    /^[0-9a-f]{32}$/,
  );
});
