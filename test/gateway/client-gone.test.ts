import { waitFor } from '@switchyard/testing';
import { answer, hang, slow } from './support/scripts';
import { requestsTotal, useGateway } from './support/gateway-harness';

/** A client that goes away takes its request with it: out of the queue, or cancelled on the node. */
const gw = useGateway();

it('a request waiting in a node’s queue is removed: the node never runs it', async () => {
  // One slot, not taking jobs yet: the gateway reserves the slot and the job waits in the queue.
  // It pulls the shared queue too, so the second request reaches it whichever way it is placed.
  const a = await gw.node({
    id: 'node-a',
    taking: false,
    pullShared: true,
    script: answer('second'),
  });
  await gw.untilReadyNodes(1);
  const client = new AbortController();
  const first = gw.chat({ stream: true, signal: client.signal });
  await waitFor(async () => (await a.waiting()) === 1, { what: 'the job to wait on node-a' });

  client.abort();
  await expect(first).rejects.toThrow();
  await waitFor(async () => (await a.waiting()) === 0, { what: 'the job to leave the queue' });

  a.startTaking();
  const second = await gw.chat({ stream: false });
  expect(second.status).toBe(200);
  expect(second.headers.get('x-switchyard-node')).toBe('node-a');
  // Only the second request ever reached the node; the first was never taken.
  expect(a.requestIds()).toEqual([second.headers.get('x-request-id')]);
  expect(a.cancels).toEqual([]);
  await waitFor(async () => requestsTotal(await gw.metrics(), 'cancelled') === 1, {
    what: 'the withdrawn request to count as cancelled',
  });
});

it('a running request is cancelled on its node', async () => {
  const a = await gw.node({ id: 'node-a', script: hang() });
  await gw.untilReadyNodes(1);
  const client = new AbortController();
  const res = gw.chat({ stream: true, signal: client.signal });
  await waitFor(() => a.jobs.length === 1, { what: 'node-a to run the request' });

  client.abort();
  await expect(res).rejects.toThrow();

  const [job] = a.requestIds();
  await waitFor(() => a.cancels.length === 1, { what: 'node-a to receive a cancel' });
  expect(a.cancels).toEqual([job]);
  await waitFor(async () => requestsTotal(await gw.metrics(), 'cancelled') === 1, {
    what: 'the request to count as cancelled',
  });
  // The node's slot is free again: the next request runs there.
  a.use(answer('after'));
  const next = await gw.chat({ stream: false });
  expect(next.status).toBe(200);
  expect(next.headers.get('x-switchyard-node')).toBe('node-a');
});

it('a client gone mid-stream cancels the running request on its node', async () => {
  // 200 tokens, one every 20 ms: still streaming when the client leaves.
  const a = await gw.node({ id: 'node-a', script: slow(20, 'x'.repeat(200), 200) });
  await gw.untilReadyNodes(1);
  const client = new AbortController();
  const res = await gw.chat({ stream: true, signal: client.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  await reader.read(); // the first bytes of output

  client.abort();

  await waitFor(() => a.cancels.length === 1, { what: 'node-a to receive a cancel' });
  expect(a.cancels).toEqual(a.requestIds());
});
