import { startEngineSim, type RunningSim } from '@switchyard/engine-sim';
import { llamacppAdapter, tgiAdapter } from '@switchyard/engines';
import { WORKER_METRICS, createMetrics } from '@switchyard/telemetry';
import pino from 'pino';
import { EngineClient } from '../engine/engine.client';
import { NodeCapabilitiesLearner } from './capabilities';

const quiet = pino({ enabled: false });

describe('NodeCapabilitiesLearner', () => {
  let sim: RunningSim;
  let client: EngineClient;
  beforeAll(async () => {
    // A llama.cpp server as many are started: no --embeddings, --no-jinja, no projector.
    sim = await startEngineSim({
      engine: 'llamacpp',
      port: 0,
      model: 'm',
      decodeMs: 1,
      jinja: false,
      vision: false,
      ctxSize: 2048,
    });
    client = new EngineClient(sim.url, llamacppAdapter);
  });
  afterAll(async () => {
    await client.close();
    await sim.close();
  });

  it('reads what the engine states and probes the rest, saying where each came from', async () => {
    const { metrics, registry } = createMetrics(WORKER_METRICS);
    const caps = await new NodeCapabilitiesLearner(llamacppAdapter, client, metrics, quiet).learn(
      'm',
    );
    expect(caps).toEqual({
      vision: false,
      maxContextTokens: 2048,
      contextCoversOutput: false,
      embeddings: false,
      tools: false,
      learnedFrom: {
        vision: 'engine',
        maxContextTokens: 'engine',
        embeddings: 'probe',
        tools: 'probe',
      },
    });
    expect(await registry.metrics()).toContain(
      'switchyard_node_capability_up{capability="tools"} 0',
    );
  });

  it('learns from a refusal once: log, metric, and the agent told to heartbeat', async () => {
    const { metrics, registry } = createMetrics(WORKER_METRICS);
    const learner = new NodeCapabilitiesLearner(tgiAdapter, client, metrics, quiet);
    let changes = 0;
    learner.onChange = () => changes++;
    expect(learner.current).toMatchObject({ embeddings: false, multipleChoices: false });
    expect(learner.refused('tools', 'no tools here')).toBe(true);
    expect(learner.refused('tools', 'no tools here')).toBe(false);
    expect(learner.current).toMatchObject({ tools: false, learnedFrom: { tools: 'refusal' } });
    expect(changes).toBe(1);
    expect(await registry.metrics()).toContain(
      'switchyard_engine_capability_refusals_total{capability="tools"} 2',
    );
  });
});
