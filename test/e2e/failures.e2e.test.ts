import { waitFor } from '@switchyard/testing';
import { exited } from './support/processes';
import { startFleet, type Fleet } from './support/fleet';

/**
 * Failure paths a client must see cleanly: a worker that drains on SIGTERM, an engine that
 * dies mid-stream (in-band error, no hang), and a model with no ready node (503 + Retry-After).
 * One node, so every request lands on it.
 */
const MODEL = 'e2e-faults';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ model: MODEL, nodes: [{ slots: 2, decodeMs: 10 }] });
}, 60000);

afterAll(async () => {
  await fleet?.stop();
});

const post = (body: object, signal?: AbortSignal) =>
  fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'tell me a long story' }],
      ...body,
    }),
    ...(signal ? { signal } : {}),
  });

it('answers with the engine’s failure when no other node can take the request', async () => {
  const sim = fleet.nodes[0]!.simUrl;
  const faults = (body: object) =>
    fetch(`${sim}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  await faults({ failRate: 1 });
  try {
    const res = await post({ stream: true });
    expect(res.status).toBe(502);
    const json = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(json.error).toMatchObject({ code: 'engine_error', type: 'server_error' });
    expect(json.error.message).not.toMatch(/127\.0\.0\.1/);
  } finally {
    await faults({ failRate: 0 });
  }
});

it('ends a stream with an in-band error frame, and no [DONE], when the engine dies mid-stream', async () => {
  const res = await post({ stream: true, max_tokens: 100000, ignore_eos: true });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let body = decoder.decode((await reader.read()).value as Uint8Array);
  fleet.nodes[0]!.sim.proc.kill('SIGKILL');
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    body += decoder.decode(value as Uint8Array);
  }
  const frames = body.split('\n\n').filter((f) => f !== '');
  const last = JSON.parse(frames.at(-1)!.slice('data: '.length)) as {
    error: { type: string; code: string };
  };
  expect(last.error).toMatchObject({ type: 'server_error' });
  expect(['stream_interrupted', 'engine_unavailable']).toContain(last.error.code);
  expect(body).not.toContain('[DONE]');
  expect(body).not.toMatch(/127\.0\.0\.1/);
}, 30000);

it('answers 503 with Retry-After while no node serving the model is ready', async () => {
  // The engine is gone, so the worker moves its node back to warming.
  await waitFor(async () => (await fleet.registry()).every((s) => s.info.state !== 'ready'), {
    timeoutMs: 10000,
    what: 'the node to leave the ready state',
  });
  await waitFor(async () => (await post({})).status === 503, {
    timeoutMs: 5000,
    what: 'the gateway to see it',
  });
  const res = await post({});
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('1');
  const json = (await res.json()) as { error: { code: string; type: string } };
  expect(json.error).toMatchObject({ code: 'no_capacity', type: 'service_unavailable_error' });
  const status = (await fetch(`${fleet.gatewayUrl}/readyz`)).status;
  expect(status).toBe(503);
}, 30000);

it('drains on SIGTERM: leaves the registry and exits 0', async () => {
  const worker = fleet.nodes[0]!.worker;
  worker.proc.kill('SIGTERM');
  expect(await exited(worker.proc)).toBe(0);
  expect((await fleet.registry()).map((s) => s.info.id)).not.toContain(fleet.nodes[0]!.nodeId);
}, 30000);
