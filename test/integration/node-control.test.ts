import { Logger } from '@nestjs/common';
import {
  NODE_CONTROL_ROUTE,
  keySpace,
  type NodeCommandReply,
  type NodeCommandRequest,
} from '@switchyard/contracts';
import { NodeCommandTimeout, NodeControlClient, NodeControlServer } from '@switchyard/cluster';
import {
  makeNodeSnapshot,
  randomPrefix,
  startPrivateRedis,
  type PrivateRedis,
} from '@switchyard/testing';

/**
 * The node control plane on `@nestjs/microservices`' Redis transport, on a private Redis: a
 * command reaches the one node it names and only under the cluster's key prefix, an absent
 * node times out, and both sides carry on after Redis restarts.
 */
jest.setTimeout(30_000);
// The transport logs every (re)connect through Nest's logger; the test asserts on behaviour instead.
Logger.overrideLogger(false);

let redis: PrivateRedis;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

afterAll(async () => {
  await redis?.stop();
});

/** A node's control server answering every command with its id; returns what it received. */
async function node(prefix: string, id: string): Promise<NodeCommandRequest[]> {
  const received: NodeCommandRequest[] = [];
  const server = new NodeControlServer(redis.url, keySpace(prefix), id);
  server.addHandler(NODE_CONTROL_ROUTE, (data: NodeCommandRequest) => {
    received.push(data);
    const snapshot = makeNodeSnapshot(id);
    const reply: NodeCommandReply = {
      nodeId: id,
      command: data.command,
      accepted: true,
      state: 'cordoned',
      snapshot,
    };
    return Promise.resolve(reply);
  });
  await new Promise<void>((resolve, reject) =>
    server.listen((err?: unknown) =>
      err === undefined
        ? resolve()
        : reject(err instanceof Error ? err : new Error('listen failed')),
    ),
  );
  closers.push(() => server.close());
  return received;
}

function client(prefix: string): NodeControlClient {
  const c = new NodeControlClient(redis.url, keySpace(prefix), 'test');
  closers.push(() => c.close());
  return c;
}

/** The server subscribes without waiting for Redis: the first send may have to wait for that. */
async function sendSoon(c: NodeControlClient, id: string): Promise<NodeCommandReply> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await c.send(id, 'cordon', 500);
    } catch (err) {
      if (!(err instanceof NodeCommandTimeout) || attempt === 10) throw err;
    }
  }
}

it('delivers a command to the node it names, and its answer back', async () => {
  const prefix = randomPrefix();
  const a = await node(prefix, 'node-a');
  const b = await node(prefix, 'node-b');
  const reply = await sendSoon(client(prefix), 'node-b');
  expect(reply).toMatchObject({ nodeId: 'node-b', command: 'cordon', accepted: true });
  expect(b).toEqual([{ command: 'cordon' }]);
  expect(a).toEqual([]);
});

it('never crosses key prefixes: a node of another cluster does not answer', async () => {
  await node(randomPrefix(), 'node-a');
  const mine = randomPrefix();
  await node(mine, 'node-other'); // so the transport is up under this prefix too
  await sendSoon(client(mine), 'node-other');
  await expect(client(mine).send('node-a', 'cordon', 300)).rejects.toThrow(NodeCommandTimeout);
});

it('carries on after Redis restarts', async () => {
  const prefix = randomPrefix();
  const received = await node(prefix, 'node-a');
  const c = client(prefix);
  await sendSoon(c, 'node-a');
  await redis.restart();
  await sendSoon(c, 'node-a');
  expect(received).toHaveLength(2);
});

it('closes at once while Redis is down', async () => {
  const prefix = randomPrefix();
  const server = new NodeControlServer(redis.url, keySpace(prefix), 'node-a');
  await new Promise<void>((resolve) => server.listen(() => resolve()));
  const c = new NodeControlClient(redis.url, keySpace(prefix), 'test');
  await expect(c.send('node-a', 'cordon', 300)).rejects.toThrow(NodeCommandTimeout); // connects
  await redis.stop();
  try {
    const started = Date.now();
    await Promise.all([server.close(), c.close()]);
    expect(Date.now() - started).toBeLessThan(1000);
  } finally {
    await redis.restart();
  }
});
