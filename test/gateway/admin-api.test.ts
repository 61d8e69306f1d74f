import type { AdminNode, AdminQueue, AdminModel } from '@switchyard/contracts';
import { waitFor } from '@switchyard/testing';
import { hang } from './support/scripts';
import { MODEL, useGateway } from './support/gateway-harness';

/**
 * The admin API over the fleet a gateway sees: node figures as the nodes report them, the
 * shared queue by priority class, supply and demand per model, and the errors of node
 * commands (404 unknown node, 504 no answer). The command round trip to a real worker-agent
 * is covered end to end (test/e2e/fleet-admin.e2e.test.ts).
 */
// The test sorts requests into priority classes with x-switchyard-priority, from an open gateway.
const gw = useGateway({
  adminCommandTimeoutMs: 500,
  maxQueueWaitMs: 20_000,
  anonymousRoutingHeaders: true,
});

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw.url}/admin/v1/${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

async function post<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${gw.url}/admin/v1/${path}`, { method: 'POST' });
  return { status: res.status, body: (await res.json()) as T };
}

it('lists every node with the figures of its last heartbeat and a fresh heartbeat age', async () => {
  await gw.node({
    id: 'node-b',
    slots: 4,
    load: {
      kvCacheUsage: 0.42,
      ttftMs: 120,
      decodeTokensPerSecond: 50,
      generationTokensPerSecond: 33,
    },
  });
  await gw.node({ id: 'node-a', slots: 2, models: [MODEL, 'other-model'] });
  await gw.untilReadyNodes(2);

  const { status, body } = await get<{ nodes: AdminNode[] }>('nodes');

  expect(status).toBe(200);
  expect(body.nodes.map((n) => n.id)).toEqual(['node-a', 'node-b']);
  const b = body.nodes[1]!;
  expect(b).toMatchObject({
    state: 'ready',
    models: [MODEL],
    slots: { total: 4, free: 4, used: 0 },
    kvCacheUsage: 0.42,
    ttftMs: 120,
    decodeTokensPerSecond: 50,
    generationTokensPerSecond: 33,
  });
  expect(b.heartbeatAgeMs).not.toBeNull();
  expect(b.heartbeatAgeMs!).toBeLessThan(1000);
  expect((await get<AdminNode>('nodes/node-a')).body.models).toEqual([MODEL, 'other-model']);

  const models = (await get<{ models: AdminModel[] }>('models')).body.models;
  expect(models.map((m) => m.model)).toEqual([MODEL, 'other-model']);
  expect(models[0]).toMatchObject({
    readyNodes: 2,
    capacity: { slots: 6, generationTokensPerSecond: 200 }, // 4 slots × 50 tok/s; node-a unmeasured
    demand: { running: 0, generationTokensPerSecond: 33 },
  });
});

it('shows what waits in a model’s shared queue by priority class, with the oldest wait', async () => {
  await gw.node({ id: 'node-a', slots: 1, script: hang() });
  await gw.untilReadyNodes(1);
  void gw.chat().catch(() => undefined); // takes the only slot and hangs there
  await waitFor(
    async () => (await get<{ nodes: AdminNode[] }>('nodes')).body.nodes[0]!.running === 1,
    {
      what: 'the node to report its slot busy',
    },
  );
  // Anonymous clients get the default class (5) and may only ask for a lower one.
  void gw.chat().catch(() => undefined);
  void gw.chat().catch(() => undefined);
  void gw.chat({ headers: { 'x-switchyard-priority': 'low' } }).catch(() => undefined);

  let queue: AdminQueue | undefined;
  await waitFor(
    async () => {
      queue = (await get<{ queues: AdminQueue[] }>('queues')).body.queues.find(
        (q) => q.model === MODEL,
      );
      return queue?.shared === 3;
    },
    { what: 'three requests in the shared queue' },
  );
  expect(queue!.byPriorityClass).toEqual({ '5': 2, '3': 1 });
  expect(queue!.oldestWaitMs).toBeGreaterThanOrEqual(0);
  expect(queue!.oldestWaitMs).toBeLessThan(20_000);
  const model = (await get<{ models: AdminModel[] }>('models')).body.models[0]!;
  expect(model.demand.waiting).toBeGreaterThanOrEqual(3);
});

it('answers 404 for a node it does not know and 400 for an unknown command', async () => {
  const missing = await get<{ error: { status: number; message: string } }>('nodes/nope');
  expect(missing.status).toBe(404);
  expect(missing.body.error.message).toMatch(/no node "nope"/);
  expect((await post('nodes/nope/cordon')).status).toBe(404);
  await gw.node({ id: 'node-a' });
  await gw.untilReadyNodes(1);
  const bad = await post<{ error: { message: string } }>('nodes/node-a/reboot');
  expect(bad.status).toBe(400);
  expect(bad.body.error.message).toMatch(/cordon, uncordon, drain/);
});

it('answers 504 when the node does not answer a command in time', async () => {
  // A fake node heartbeats but runs no worker-agent, so nothing listens on its control channel.
  await gw.node({ id: 'silent-node' });
  await gw.untilReadyNodes(1);
  const started = Date.now();
  const res = await post<{ error: { status: number; message: string } }>(
    'nodes/silent-node/cordon',
  );
  expect(res.status).toBe(504);
  expect(res.body.error.message).toMatch(/did not answer within 500 ms/);
  expect(Date.now() - started).toBeLessThan(3000);
});

it('serves the fleet page', async () => {
  const res = await fetch(`${gw.url}/ui`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/html/);
  expect(await res.text()).toMatch(/<title>Switchyard fleet<\/title>/);
});

describe('with an admin key', () => {
  const keyed = useGateway({ adminKey: 'k'.repeat(24) });

  it('refuses requests without the bearer key and accepts them with it', async () => {
    expect((await fetch(`${keyed.url}/admin/v1/nodes`)).status).toBe(401);
    const wrong = await fetch(`${keyed.url}/admin/v1/nodes`, {
      headers: { authorization: `Bearer ${'x'.repeat(24)}` },
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${keyed.url}/admin/v1/nodes`, {
      headers: { authorization: `Bearer ${'k'.repeat(24)}` },
    });
    expect(right.status).toBe(200);
  });
});
