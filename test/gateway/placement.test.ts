import { keySpace } from '@switchyard/contracts';
import { waitFor } from '@switchyard/testing';
import { Gate, answer, answerWhenOpen, failBeforeOutput } from './support/scripts';
import { MODEL, counterValue, useGateway, type TestGateway } from './support/gateway-harness';

/**
 * Where a request waits and runs when its first choice has no room: another node, the
 * model's shared queue, or — for a request placed again after a failure — the best other
 * node's own queue. Placement prefers the node reporting the emptier KV cache.
 */
// Anonymous clients may ask for the explanation here (off by default).
const gw = useGateway({ anonymousRoutingHeaders: true });

const queuedRequests = async (g: TestGateway): Promise<number> =>
  counterValue(await g.metrics(), 'switchyard_queued_requests', { model: MODEL });

describe('re-decide when the chosen node filled up behind the gateway’s view', () => {
  it('goes to another node', async () => {
    const a = await gw.node({ id: 'node-a' });
    const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 }, script: answer('b') });
    await gw.untilReadyNodes(2);
    // Another replica took node-a's only slot; this gateway has not seen it.
    await gw.reservations.hold('node-a', 'held-by-another-replica');

    const res = await gw.chat({ headers: { 'x-switchyard-explain': '1' } });

    expect(res.status).toBe(200);
    const explained = JSON.parse(res.headers.get('x-switchyard-explain')!) as { chosen: string };
    expect(explained.chosen).toBe('node-a'); // the first choice, before the reservation failed
    expect(res.headers.get('x-switchyard-node')).toBe('node-b');
    expect(a.jobs).toHaveLength(0);
    expect(b.jobs.map((j) => j.shared)).toEqual([false]);
  });

  it('goes to the shared queue when every node filled up, and runs on a node that pulls it', async () => {
    const a = await gw.node({ id: 'node-a', pullShared: true, script: answer('a') });
    const b = await gw.node({
      id: 'node-b',
      pullShared: true,
      load: { kvCacheUsage: 0.5 },
      script: answer('b'),
    });
    await gw.untilReadyNodes(2);
    await gw.reservations.hold('node-a', 'held-by-another-replica-1');
    await gw.reservations.hold('node-b', 'held-by-another-replica-2');

    const res = await gw.chat();

    expect(res.status).toBe(200);
    const ranOn = res.headers.get('x-switchyard-node');
    const [runner, idle] = ranOn === 'node-a' ? [a, b] : [b, a];
    expect(runner.id).toBe(ranOn);
    expect(runner.jobs.map((j) => j.shared)).toEqual([true]);
    expect(idle.jobs).toHaveLength(0);
  });
});

it('shared queue: with every node busy the request waits, then runs on the first node to free a slot', async () => {
  const gateA = new Gate();
  const gateB = new Gate();
  const a = await gw.node({ id: 'node-a', pullShared: true, script: answerWhenOpen(gateA, 'a') });
  const b = await gw.node({
    id: 'node-b',
    pullShared: true,
    load: { kvCacheUsage: 0.5 },
    script: answerWhenOpen(gateB, 'b'),
  });
  await gw.untilReadyNodes(2);
  void gw.chat().catch(() => undefined);
  await waitFor(() => a.jobs.length === 1, { what: 'node-a to run the first request' });
  const second = gw.chat();
  await waitFor(() => b.jobs.length === 1, { what: 'node-b to run the second request' });

  const third = gw.chat();
  await waitFor(async () => (await queuedRequests(gw)) === 1, {
    what: 'the third request in the shared queue',
  });
  expect(a.jobs).toHaveLength(1);
  expect(b.jobs).toHaveLength(1);
  b.use(answer('third, from b'));
  gateB.open();

  expect((await second).status).toBe(200);
  const res = await third;
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-node')).toBe('node-b');
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  expect(body.choices[0]?.message.content).toBe('third, from b');
  expect(b.jobs.map((j) => j.shared)).toEqual([false, true]);
  expect(a.jobs).toHaveLength(1);
  expect(await queuedRequests(gw)).toBe(0);
});

it('direct placement: a request placed again after a failure waits on the best other node’s own queue', async () => {
  const gate = new Gate();
  // node-b pulls the shared queue too: where the retried job waits shows in how b takes it.
  const b = await gw.node({
    id: 'node-b',
    pullShared: true,
    load: { kvCacheUsage: 0.5 },
    script: answerWhenOpen(gate, 'first'),
  });
  await gw.untilReadyNodes(1);
  const first = gw.chat();
  await waitFor(() => b.jobs.length === 1, { what: 'node-b to run the first request' });
  const a = await gw.node({ id: 'node-a', script: failBeforeOutput('SY_ENGINE_ERROR') });
  await gw.untilReadyNodes(2);

  const second = gw.chat();
  await waitFor(async () => (await b.waiting()) === 1, {
    what: 'the retried request to wait on node-b’s own queue',
  });
  expect(a.jobs).toHaveLength(1);
  expect(await queuedRequests(gw)).toBe(0);
  b.use(answer('second, from b'));
  gate.open();

  expect((await first).status).toBe(200);
  const res = await second;
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-node')).toBe('node-b');
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  expect(body.choices[0]?.message.content).toBe('second, from b');
  const requestId = res.headers.get('x-request-id')!;
  expect(a.requestIds()).toEqual([requestId]);
  expect(b.jobs).toHaveLength(2);
  expect(b.jobs[1]).toMatchObject({ shared: false });
  expect(b.jobs[1]?.requestId.startsWith(requestId)).toBe(true);
});

it('a node that had a free slot but does not take the request within 2 s loses it to another', async () => {
  // node-a heartbeats as ready with free slots but its job loop is stuck (paused).
  const a = await gw.node({ id: 'node-a', taking: false });
  const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 }, script: answer('b') });
  await gw.untilReadyNodes(2);

  const started = Date.now();
  const res = await gw.chat({ headers: { 'x-switchyard-explain': '1' } });

  expect(res.status).toBe(200);
  const explained = JSON.parse(res.headers.get('x-switchyard-explain')!) as { chosen: string };
  expect(explained.chosen).toBe('node-a');
  expect(res.headers.get('x-switchyard-node')).toBe('node-b');
  expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
  // Taken back, not merely abandoned: node-a's queue is empty and it never ran the job.
  expect(await gw.redis.zcard(keySpace(gw.prefix).nodeJobs('node-a'))).toBe(0);
  expect(a.jobs).toHaveLength(0);
  expect(b.jobs).toHaveLength(1);
});
