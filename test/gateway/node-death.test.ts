import { waitFor } from '@switchyard/testing';
import { answer, hang } from './support/scripts';
import { SseReader, useGateway } from './support/gateway-harness';

/**
 * A node that stops heartbeating leaves the gateway's view after `staleAfterMs`. Its requests
 * that have produced no token yet are placed again elsewhere; the others end in-band.
 */
const gw = useGateway();

it('before the first token: the request is placed again on another node', async () => {
  const a = await gw.node({ id: 'node-a', script: hang() });
  const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 }, script: answer('from b') });
  await gw.untilReadyNodes(2);
  const res = gw.chat({ stream: true });
  await waitFor(() => a.jobs.length === 1, { what: 'node-a to run the request' });

  await a.stopHeartbeating();

  const response = await res;
  expect(response.status).toBe(200);
  expect(response.headers.get('x-switchyard-node')).toBe('node-b');
  const frames = await new SseReader(response).rest();
  expect(frames.at(-1)).toBe('[DONE]');
  expect(frames.join('')).toContain('from b');
  expect(b.jobs).toHaveLength(1);
  expect(a.requestIds()).toEqual([response.headers.get('x-request-id')]);
  // The abandoned attempt is cancelled on the node, in case it is still alive.
  await waitFor(() => a.cancels.length === 1, { what: 'node-a to receive a cancel' });
  expect(a.cancels).toEqual(a.requestIds());
});

it('after output: the stream ends with an in-band interrupted error, not retried', async () => {
  const a = await gw.node({ id: 'node-a', script: hang(1) });
  const b = await gw.node({ id: 'node-b', load: { kvCacheUsage: 0.5 } });
  await gw.untilReadyNodes(2);
  const res = await gw.chat({ stream: true });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-node')).toBe('node-a');
  const stream = new SseReader(res);
  await stream.until((f) => f.includes('"content"'));

  await a.stopHeartbeating();

  const frames = await stream.rest();
  const last = JSON.parse(frames.at(-1)!) as { error: { type: string; code: string } };
  expect(last.error).toMatchObject({ type: 'server_error', code: 'stream_interrupted' });
  expect(frames).not.toContain('[DONE]');
  expect(b.jobs).toHaveLength(0);
});
