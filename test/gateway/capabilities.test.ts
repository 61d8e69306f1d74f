import { answer } from './support/scripts';
import { MODEL, useGateway } from './support/gateway-harness';

/**
 * Capabilities a worker learned keep requests off nodes that cannot serve them — also when
 * every node is full: a model's shared queue is pulled by all its nodes, so such a request
 * waits on a capable node's own queue instead. No node capable: a 400 naming what is missing.
 */
const gw = useGateway();

const TOOLS = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
const toolsBody = (prompt: string) => ({
  model: MODEL,
  messages: [{ role: 'user', content: prompt }],
  tools: TOOLS,
});

it('sends a tools request only to the node that serves tools, even with every node full', async () => {
  const plain = await gw.node({
    id: 'no-jinja',
    pullShared: true,
    capabilities: { tools: false },
    script: answer('plain'),
  });
  const jinja = await gw.node({
    id: 'jinja',
    pullShared: true,
    load: { kvCacheUsage: 0.5 },
    script: answer('jinja'),
  });
  await gw.untilReadyNodes(2);
  await gw.reservations.hold('no-jinja', 'held-1');
  await gw.reservations.hold('jinja', 'held-2');
  const pending = gw.chat({ body: toolsBody('weather?') });
  // The tools request waits on the capable node's queue; free a slot there.
  await new Promise((r) => setTimeout(r, 300));
  await gw.reservations.release('no-jinja', 'held-1');
  await gw.reservations.release('jinja', 'held-2');
  const res = await pending;
  expect(res.status).toBe(200);
  expect(res.headers.get('x-switchyard-node')).toBe('jinja');
  expect(jinja.jobs.map((j) => j.shared)).toEqual([false]);
  expect(plain.jobs).toHaveLength(0);
});

it('answers 400 naming the capability when no node serving the model has it', async () => {
  await gw.node({ id: 'no-jinja', capabilities: { tools: false } });
  await gw.untilReadyNodes(1);
  const res = await gw.chat({ body: toolsBody('weather?') });
  expect(res.status).toBe(400);
  const body = (await res.json()) as { error: { message: string; param: string | null } };
  expect(body.error.message).toMatch(/supports tool calling/);
  expect(body.error.param).toBe('tools');
  // A request without tools is served by the same node.
  expect((await gw.chat()).status).toBe(200);
});
