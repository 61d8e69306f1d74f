import type { InferenceRequest, StreamEvent } from '@switchyard/contracts';
import { ENGINE_ADAPTERS, type EngineAdapter } from '@switchyard/engines';
import { waitFor } from '@switchyard/testing';
import { WORKER_METRICS, createMetrics } from '@switchyard/telemetry';
import pino from 'pino';
import { EngineClient } from '../../apps/worker-agent/src/engine/engine.client';
import { NodeCapabilitiesLearner } from '../../apps/worker-agent/src/node/capabilities';
import {
  type RunningSim,
  SIM_ENGINES,
  type SimEngine,
  startEngineSim,
} from '@switchyard/engine-sim';

/**
 * Every engine adapter against the simulator personality of the same engine: a new engine is
 * covered by adding its adapter row and its personality row. What a worker relies on is
 * checked through the real engine client over real HTTP.
 */
const covered = SIM_ENGINES.filter(
  (kind): kind is SimEngine & keyof typeof ENGINE_ADAPTERS => kind in ENGINE_ADAPTERS,
);

function request(
  kind: 'chat' | 'completion',
  overrides: Partial<InferenceRequest['sampling']> = {},
): InferenceRequest {
  const base = {
    id: `conf-${Math.random().toString(36).slice(2)}`,
    model: 'conformance-model',
    sampling: { stop: [], n: 1, maxTokens: 12, seed: 7, ...overrides },
    stream: true,
    includeUsage: true,
    priority: 0,
    modalities: ['text' as const],
  };
  return kind === 'chat'
    ? { ...base, kind, messages: [{ role: 'user', content: 'Why is the sky blue?' }] }
    : { ...base, kind, prompt: 'Once upon a time' };
}

async function collect(client: EngineClient, req: InferenceRequest): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of client.stream(req, new AbortController().signal)) events.push(e);
  return events;
}

function textOf(events: StreamEvent[]): string {
  return events.map((e) => (e.type === 'delta' ? (e.text ?? '') : '')).join('');
}

async function setFaults(sim: RunningSim, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.url}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  expect(res.ok).toBe(true);
}

describe.each(covered)('%s adapter against its simulator', (kind) => {
  const adapter: EngineAdapter = ENGINE_ADAPTERS[kind];
  let sim: RunningSim;
  let client: EngineClient;

  beforeAll(async () => {
    sim = await startEngineSim({
      engine: kind,
      port: 0,
      model: 'conformance-model',
      decodeMs: 1,
      slots: 2,
    });
    client = new EngineClient(sim.urls, adapter);
  });
  afterAll(async () => {
    await client?.close();
    await sim?.close();
  });
  afterEach(async () => setFaults(sim, { failRate: 0, dieAfterTokens: null, stallMs: 0 }));

  it.each(['chat', 'completion'] as const)(
    'streams a %s: deltas, usage, then one done',
    async (k) => {
      const events = await collect(client, request(k));
      const terminal = events.filter((e) => e.type === 'done' || e.type === 'error');
      expect(terminal).toEqual([events.at(-1)]);
      expect(events.at(-1)).toMatchObject({
        type: 'done',
        choices: [{ index: 0, finishReason: expect.stringMatching(/^(stop|length)$/) }],
      });
      expect(textOf(events).length).toBeGreaterThan(0);
      const usage = events.find((e) => e.type === 'usage');
      expect(usage).toMatchObject({
        type: 'usage',
        completionTokens: expect.any(Number),
        promptTokens: expect.any(Number),
      });
      expect((usage as { completionTokens: number }).completionTokens).toBeGreaterThan(0);
    },
  );

  it('gives the same text for the same request (deterministic engine, faithful parser)', async () => {
    expect(textOf(await collect(client, request('chat')))).toBe(
      textOf(await collect(client, request('chat'))),
    );
  });

  it('stops at max tokens with finish reason length', async () => {
    const events = await collect(client, request('chat', { maxTokens: 3 }));
    expect(events.at(-1)).toMatchObject({ type: 'done', choices: [{ finishReason: 'length' }] });
  });

  it('maps an engine error before the first token to one retryable error event', async () => {
    await setFaults(sim, { failRate: 1 });
    const events = await collect(client, request('chat'));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'error', afterOutput: false });
    expect(['SY_ENGINE_ERROR', 'SY_ENGINE_UNAVAILABLE']).toContain(
      (events[0] as { code: string }).code,
    );
  });

  it('maps an engine that dies after the first tokens to an interrupted stream', async () => {
    await setFaults(sim, { dieAfterTokens: 3 });
    const events = await collect(client, request('chat', { maxTokens: 50 }));
    expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({
      type: 'error',
      code: 'SY_STREAM_INTERRUPTED',
      afterOutput: true,
    });
  });

  it('learns what the engine serves: every capability it settles says where it came from', async () => {
    const learner = new NodeCapabilitiesLearner(
      adapter,
      client,
      createMetrics(WORKER_METRICS).metrics,
      pino({ enabled: false }),
    );
    const caps = await learner.learn('conformance-model');
    const known = (
      ['embeddings', 'tools', 'vision', 'multipleChoices', 'maxContextTokens'] as const
    )
      .filter((name) => caps[name] !== undefined)
      .sort();
    expect(Object.keys(caps.learnedFrom ?? {}).sort()).toEqual(known);
    // Every engine with a context of its own states it; Ollama's is per request (num_ctx).
    if (kind !== 'ollama') expect(caps.maxContextTokens).toBeGreaterThan(0);
    else expect(typeof caps.tools).toBe('boolean');
  });

  it('lists the served model and reports health', async () => {
    expect(await client.models()).toContain('conformance-model');
    expect(await client.health()).toEqual({ ready: true });
  });

  it('turns its metrics into a NodeLoad while a request runs', async () => {
    const controller = new AbortController();
    const running = (async () => {
      for await (const _ of client.stream(
        request('chat', { maxTokens: 2000 }),
        controller.signal,
      )) {
        // drain
      }
    })();
    try {
      // An engine that reports running requests must count this one; one that does not
      // (Ollama) leaves the figure out for the worker to derive.
      await waitFor(
        async () => {
          const { running } = adapter.parseLoad(await client.scrape());
          return running === undefined || running >= 1;
        },
        { timeoutMs: 3000, what: 'the running request to show in the load' },
      );
      const load = adapter.parseLoad(await client.scrape());
      for (const value of [load.running, load.waiting, load.slotsTotal, load.slotsFree]) {
        if (value !== undefined) expect(Number.isInteger(value) && value >= 0).toBe(true);
      }
      for (const ratio of [load.kvCacheUsage, load.prefixCacheHitRate]) {
        if (ratio !== undefined && ratio !== null) expect(ratio >= 0 && ratio <= 1).toBe(true);
      }
    } finally {
      controller.abort();
      await running;
    }
  });

  it('is not ready while the engine is loading', async () => {
    const loading = await startEngineSim({
      engine: kind,
      port: 0,
      model: 'conformance-model',
      loadingMs: 1500,
    });
    const probe = new EngineClient(loading.urls, adapter);
    try {
      expect((await probe.health()).ready).toBe(false);
      await waitFor(async () => (await probe.health()).ready, {
        timeoutMs: 5000,
        what: 'the engine to finish loading',
      });
    } finally {
      await probe.close();
      await loading.close();
    }
  });
});
