import OpenAI from 'openai';
import { waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * One simulated engine of each main kind behind its worker-agent: llama.cpp on a GPU,
 * vLLM on two GPUs, MindIE on eight Ascend NPUs. Each serves its own model.
 */
const NODES = [
  {
    engine: 'llamacpp',
    model: 'mixed-llama',
    telemetry: 'gpu:NVIDIA GeForce RTX 4090x1',
    kind: 'gpu',
    devices: 1,
  },
  {
    engine: 'vllm',
    model: 'mixed-vllm',
    telemetry: 'gpu:NVIDIA H100 80GB HBM3x2',
    kind: 'gpu',
    devices: 2,
  },
  { engine: 'mindie', model: 'mixed-mindie', telemetry: 'npu:910B3x8', kind: 'npu', devices: 8 },
] as const;

let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    model: 'unused',
    nodes: NODES.map((n) => ({
      engine: n.engine,
      model: n.model,
      slots: 4,
      decodeMs: 2,
      extraPlanes: n.engine === 'mindie',
      workerArgs: ['--telemetry', n.telemetry],
    })),
  });
}, 90000);

afterAll(async () => fleet?.stop());

it.each(NODES.map((n, i) => [n.engine, n.model, i] as const))(
  'streams a request for the model %s serves',
  async (_engine, model, i) => {
    const client = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/v1`,
      apiKey: 'unused',
      maxRetries: 0,
    });
    const { data: stream, response } = await client.chat.completions
      .create({
        model,
        messages: [{ role: 'user', content: 'Say something' }],
        max_tokens: 16,
        stream: true,
        stream_options: { include_usage: true },
      })
      .withResponse();
    expect(response.headers.get('x-switchyard-node')).toBe(fleet.nodes[i]!.nodeId);
    let text = '';
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toMatch(/^(stop|length)$/);
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  },
);

it('shows every node’s normalised load, models and accelerators in the registry', async () => {
  // Each node has served a request above: its generation rate over the window must show it
  // (from the engine's counters, or derived from the worker's own bookkeeping).
  // The worker's own speeds join the heartbeat after it relayed the answer's end, which can
  // be one heartbeat after the engine's counters moved.
  await waitFor(
    async () =>
      (await fleet.registry()).every(
        (s) =>
          (s.load.generationTokensPerSecond ?? 0) > 0 && (s.load.decodeTokensPerSecond ?? 0) > 0,
      ),
    { timeoutMs: 10000, what: 'every node to report a generation rate and a decode speed' },
  );
  const snapshots = await fleet.registry();
  for (const [i, n] of NODES.entries()) {
    const s = snapshots.find((x) => x.info.id === fleet.nodes[i]!.nodeId)!;
    expect(s.info).toMatchObject({ engine: n.engine, models: [n.model], state: 'ready' });
    expect(s.load.slotsTotal).toBe(4);
    // Speeds every worker measures on what it relayed, whatever the engine (placement uses
    // these, not throughput): one 16-token answer gives a decode speed and a mean output.
    expect(s.load.decodeTokensPerSecond).toBeGreaterThan(0);
    expect(s.load.meanOutputTokens).toBeGreaterThan(0);
    expect(s.load.slotsFree).toBeLessThanOrEqual(s.load.slotsTotal);
    expect(Number.isInteger(s.load.running) && s.load.running >= 0).toBe(true);
    expect(s.devices).toHaveLength(n.devices);
    expect(
      s.devices!.every((d) => d.kind === n.kind && d.health === 'ok' && d.memoryTotalBytes! > 0),
    ).toBe(true);
  }
  const vllm = snapshots.find((x) => x.info.engine === 'vllm')!;
  const mindie = snapshots.find((x) => x.info.engine === 'mindie')!;
  // Engines that export a KV-cache gauge report it (0..1); llama.cpp's comes from /slots.
  for (const s of [vllm, mindie]) expect(s.load.kvCacheUsage).toEqual(expect.any(Number));
});
