import { freePort, waitFor } from '@switchyard/testing';
import { launch } from './support/processes';
import { startFleet, type Fleet } from './support/fleet';

/** The node life cycle as the scheduler honours it: only ready nodes receive work. */
const MODEL = 'e2e-life';

describe('an engine still loading its model', () => {
  let fleet: Fleet;
  beforeAll(async () => {
    fleet = await startFleet({
      model: MODEL,
      waitReady: false,
      nodes: [
        { slots: 4, decodeMs: 1 },
        { slots: 4, decodeMs: 1, simArgs: ['--loading-ms', '6000'] },
      ],
    });
  }, 60000);
  afterAll(async () => fleet?.stop());

  it('receives no request until its worker marks it ready, then takes its share', async () => {
    const [steady, loading] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
    await waitFor(async () => (await fetch(`${fleet.gatewayUrl}/readyz`)).ok, {
      timeoutMs: 20000,
      what: 'one ready node',
    });
    await waitFor(
      async () => {
        const snapshot = (await fleet.registry()).find((s) => s.info.id === loading.nodeId);
        return (
          snapshot?.info.state === 'warming' && /loading/i.test(snapshot.info.stateReason ?? '')
        );
      },
      { timeoutMs: 5000, what: 'the loading node to be warming because its engine is loading' },
    );

    const place = async (i: number) => {
      const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: MODEL,
          max_tokens: 4,
          messages: [{ role: 'user', content: `hi ${i}` }],
        }),
      });
      expect(res.status).toBe(200);
      return res.headers.get('x-switchyard-node');
    };
    const early = await Promise.all(Array.from({ length: 8 }, (_, i) => place(i)));
    expect(new Set(early)).toEqual(new Set([steady.nodeId]));

    await waitFor(
      async () =>
        (await fleet.registry()).find((s) => s.info.id === loading.nodeId)?.info.state === 'ready',
      {
        timeoutMs: 20000,
        what: 'the loading node to become ready',
      },
    );
    await waitFor(
      async () =>
        ((await (await fetch(`${fleet.gatewayUrl}/readyz`)).json()) as { readyNodes: number })
          .readyNodes === 2,
      {
        timeoutMs: 5000,
        what: 'the gateway to see it',
      },
    );
    const later = await Promise.all(Array.from({ length: 16 }, (_, i) => place(100 + i)));
    expect(new Set(later)).toEqual(new Set([steady.nodeId, loading.nodeId]));
  }, 60000);

  it('takes no new work while cordoned, and takes its share again once uncordoned', async () => {
    const [, node] = fleet.nodes as [(typeof fleet.nodes)[0], (typeof fleet.nodes)[0]];
    const agentUrl = (await fleet.registry()).find((s) => s.info.id === node.nodeId)!.info
      .agentUrl!;
    const stateInGateway = async () =>
      ((await (await fetch(`${fleet.gatewayUrl}/readyz`)).json()) as { readyNodes: number })
        .readyNodes;
    const place = async (i: number) =>
      (
        await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            model: MODEL,
            max_tokens: 4,
            messages: [{ role: 'user', content: `cordon ${i}` }],
          }),
        })
      ).headers.get('x-switchyard-node');

    expect(await (await fetch(`${agentUrl}/cordon`, { method: 'POST' })).json()).toEqual({
      cordoned: true,
      state: 'cordoned',
    });
    await waitFor(async () => (await stateInGateway()) === 1, {
      timeoutMs: 5000,
      what: 'the gateway to see the cordon',
    });
    await new Promise((r) => setTimeout(r, 1500)); // probes must not undo it
    expect((await fleet.registry()).find((s) => s.info.id === node.nodeId)?.info.state).toBe(
      'cordoned',
    );
    const during = await Promise.all(Array.from({ length: 8 }, (_, i) => place(i)));
    expect(during).not.toContain(node.nodeId);

    expect(await (await fetch(`${agentUrl}/uncordon`, { method: 'POST' })).json()).toEqual({
      uncordoned: true,
      state: 'warming',
    });
    await waitFor(async () => (await stateInGateway()) === 2, {
      timeoutMs: 10000,
      what: 'the node back in service',
    });
    const after = await Promise.all(Array.from({ length: 16 }, (_, i) => place(50 + i)));
    expect(after).toContain(node.nodeId);
  }, 30000);
});

describe('a worker pointed at a dead URL', () => {
  it('never becomes ready and says why in its log and its /metrics', async () => {
    const agentPort = await freePort();
    const deadPort = await freePort();
    const worker = launch('dead-worker', [
      'worker',
      '--engine',
      'llamacpp',
      '--engine-url',
      `http://127.0.0.1:${deadPort}`,
      '--port',
      String(agentPort),
      '--prefix',
      `sytest:dead-${deadPort}:`,
    ]);
    try {
      const metrics = async () => (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
      await waitFor(
        async () =>
          (await metrics()).includes(
            'switchyard_engine_health_failures_total{reason="engine unreachable",node=',
          ),
        {
          timeoutMs: 15000,
          what: 'the worker to report the unreachable engine',
        },
      );
      await new Promise((r) => setTimeout(r, 2500));
      const text = await metrics();
      // Every series names its node and engine.
      expect(text).toMatch(
        /switchyard_node_state\{state="ready",node="[^"]+",engine="llamacpp"\} 0/,
      );
      expect(text).toMatch(
        /switchyard_node_state\{state="warming",node="[^"]+",engine="llamacpp"\} 1/,
      );
      expect(text).toMatch(/switchyard_engine_up\{node="[^"]+",engine="llamacpp"\} 0/);
      // A pod readiness probe on the agent sees the node is not ready.
      const readyz = await fetch(`http://127.0.0.1:${agentPort}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toMatchObject({ state: 'warming' });
      const status = (await (await fetch(`http://127.0.0.1:${agentPort}/status`)).json()) as {
        info: { state: string; stateReason: string };
      };
      expect(status.info).toMatchObject({
        state: 'warming',
        stateReason: 'engine unreachable: ECONNREFUSED',
      });
      expect(worker.output()).toMatch(
        /"reason":"engine unreachable: ECONNREFUSED","msg":"node not ready"/,
      );
      // Said once, not on every probe.
      expect(worker.output().match(/node not ready/g)).toHaveLength(1);
      expect(worker.output()).not.toContain(`127.0.0.1:${deadPort}`);
    } finally {
      await worker.stop();
    }
  }, 30000);
});
