import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEngineSim, type RunningSim } from '@switchyard/engine-sim';
import { llamacppAdapter, ollamaAdapter, tgiAdapter } from '@switchyard/engines';
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

describe('NodeCapabilitiesLearner on an engine serving several models', () => {
  it('holds the node only to what none of its models serves', async () => {
    // Ollama with a tools model and a vision model: /api/show answers per model.
    const shown: Record<string, string[]> = {
      'llama3:8b': ['completion', 'tools'],
      'llava:7b': ['completion', 'vision'],
    };
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const model = (JSON.parse(body || '{}') as { model?: string }).model ?? '';
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ capabilities: shown[model] ?? [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = new EngineClient(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      ollamaAdapter,
    );
    try {
      const { metrics } = createMetrics(WORKER_METRICS);
      const caps = await new NodeCapabilitiesLearner(ollamaAdapter, client, metrics, quiet).learn(
        Object.keys(shown),
      );
      expect(caps).toMatchObject({ tools: true, vision: true, multipleChoices: false });
    } finally {
      await client.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
