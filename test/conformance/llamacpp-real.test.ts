import type {
  ChatRequest,
  EmbeddingRequest,
  GenerationRequest,
  StreamEvent,
} from '@switchyard/contracts';
import { llamacppAdapter } from '@switchyard/engines';
import { WORKER_METRICS, createMetrics } from '@switchyard/telemetry';
import {
  chatRequest,
  completionRequest,
  realLlamaServerMissing,
  startRealLlamaServer,
  waitFor,
  type RealLlamaServer,
} from '@switchyard/testing';
import pino from 'pino';
import { EngineClient } from '../../apps/worker-agent/src/engine/engine.client';
import { NodeCapabilitiesLearner } from '../../apps/worker-agent/src/node/capabilities';
import { NodeLoadTracker } from '../../apps/worker-agent/src/node/node-load';

/**
 * The llama.cpp adapter and the worker's engine client against the genuine llama-server
 * (../shared/engines/llamacpp, a CPU build with tiny random-weight models): every byte of
 * framing, every /slots, /props and /metrics field is the real server's. Three servers, each
 * started once: `full` (2 slots, --embeddings, jinja), `bare` (1 slot, no embeddings,
 * --no-jinja) and `raw` (the model whose output often breaks UTF-8 mid-stream).
 */
const missing = realLlamaServerMissing();
const describeReal = missing === null ? describe : describe.skip;
if (missing !== null) {
  // Say why in the run's output, not only in a skipped test's name.
  console.warn(`real llama-server conformance skipped: ${missing}`);
}

const MODEL = 'tiny-llama';
const quiet = pino({ enabled: false });

function chat(overrides: Partial<ChatRequest> = {}, sampling = {}): ChatRequest {
  return chatRequest({
    id: `real-${Math.random().toString(36).slice(2)}`,
    model: MODEL,
    stream: true,
    includeUsage: true,
    messages: [{ role: 'user', content: 'Tell me a story about the sea.' }],
    ...overrides,
    sampling: { maxTokens: 12, temperature: 0, seed: 3, ...sampling },
  });
}

async function collect(
  client: EngineClient,
  req: GenerationRequest | EmbeddingRequest,
  signal = new AbortController().signal,
): Promise<StreamEvent[]> {
  const events: StreamEvent[] = [];
  for await (const e of client.stream(req, signal)) events.push(e);
  return events;
}

const deltas = (events: StreamEvent[]) => events.filter((e) => e.type === 'delta');
const textOf = (events: StreamEvent[], index = 0) =>
  deltas(events)
    .filter((e) => e.index === index)
    .map((e) => e.text ?? '')
    .join('');

interface SlotJson {
  id: number;
  n_ctx: number;
  is_processing: boolean;
  next_token?: { n_decoded?: number }[];
}

async function slots(server: RealLlamaServer): Promise<SlotJson[]> {
  return (await (await fetch(`${server.url}/slots`)).json()) as SlotJson[];
}

describeReal(
  `llama.cpp adapter against the real llama-server${missing ? ` (${missing})` : ''}`,
  () => {
    let full: RealLlamaServer;
    let bare: RealLlamaServer;
    let raw: RealLlamaServer;
    let fullClient: EngineClient;
    let bareClient: EngineClient;
    let rawClient: EngineClient;

    beforeAll(async () => {
      [full, bare, raw] = await Promise.all([
        startRealLlamaServer({ slots: 2, ctx: 2048, embeddings: true }),
        startRealLlamaServer({ slots: 1, ctx: 512, jinja: false }),
        startRealLlamaServer({ model: 'tiny-raw', slots: 1, ctx: 512 }),
      ]);
      fullClient = new EngineClient(full.url, llamacppAdapter);
      bareClient = new EngineClient(bare.url, llamacppAdapter);
      rawClient = new EngineClient(raw.url, llamacppAdapter);
    });
    afterAll(async () => {
      await Promise.all([fullClient, bareClient, rawClient].map((c) => c?.close()));
      await Promise.all([full, bare, raw].map((s) => s?.close()));
    });

    it.each(['chat', 'completion'] as const)(
      'streams a %s: deltas, usage with the exact output count, then one done',
      async (kind) => {
        const { messages: _messages, ...base } = chat();
        const req =
          kind === 'chat'
            ? chat()
            : completionRequest({ ...base, kind: 'completion', prompt: 'Once upon a time' });
        const events = await collect(fullClient, req);
        const terminal = events.filter((e) => e.type === 'done' || e.type === 'error');
        expect(terminal).toEqual([events.at(-1)]);
        expect(events.at(-1)).toMatchObject({ type: 'done', choices: [{ index: 0 }] });
        const usage = events.find((e) => e.type === 'usage');
        expect(usage).toMatchObject({ promptTokens: expect.any(Number) });
        if (usage?.type !== 'usage') throw new Error('no usage');
        expect(usage.promptTokens).toBeGreaterThan(0);
        // One token per streamed chunk on llama.cpp.
        expect(usage.completionTokens).toBe(deltas(events).length);
        expect(usage.completionTokens).toBeLessThanOrEqual(12);
      },
    );

    it('streams n > 1 as separate choices, each ending on its own', async () => {
      const events = await collect(fullClient, chat({}, { n: 2, temperature: 1, maxTokens: 6 }));
      const done = events.at(-1);
      expect(done).toMatchObject({ type: 'done' });
      if (done?.type !== 'done') throw new Error('not done');
      expect(done.choices.map((c) => c.index).sort()).toEqual([0, 1]);
      expect(textOf(events, 0).length).toBeGreaterThan(0);
      expect(textOf(events, 1).length).toBeGreaterThan(0);
    });

    it('continues a cut-short answer (prefill) without echoing the text already sent', async () => {
      const whole = await collect(fullClient, chat({}, { maxTokens: 12 }));
      const pieces = deltas(whole).map((d) => d.text ?? '');
      const prefix = pieces.slice(0, 5).join('');
      const continued = await collect(
        fullClient,
        chat(
          {
            messages: [...chat().messages, { role: 'assistant', content: prefix }],
            continueFinalMessage: true,
          },
          { maxTokens: 7 },
        ),
      );
      expect(continued.at(-1)).toMatchObject({ type: 'done' });
      // Greedy decoding carries on where the first answer was cut: one answer, no repeat.
      expect(prefix + textOf(continued)).toBe(pieces.join(''));
    });

    it('carries logprobs with the asked number of alternatives', async () => {
      const events = await collect(fullClient, chat({}, { logprobs: { top: 2 }, maxTokens: 4 }));
      const withLogprobs = deltas(events).filter((d) => (d.logprobs?.length ?? 0) > 0);
      expect(withLogprobs.length).toBeGreaterThan(0);
      for (const d of withLogprobs) {
        for (const lp of d.logprobs ?? []) {
          expect(typeof lp.logprob).toBe('number');
          expect(lp.top.length).toBeLessThanOrEqual(2);
        }
      }
    });

    it('stops at a stop string, leaving it out of the text', async () => {
      const free = await collect(fullClient, chat({}, { maxTokens: 16 }));
      const text = textOf(free);
      // A stretch from the middle of the greedy output: the same request then stops there.
      const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 3);
      expect(stop.trim().length).toBeGreaterThan(0);
      const stopped = await collect(fullClient, chat({}, { maxTokens: 16, stop: [stop] }));
      expect(stopped.at(-1)).toMatchObject({ type: 'done', choices: [{ finishReason: 'stop' }] });
      expect(textOf(stopped)).toBe(text.slice(0, text.indexOf(stop)));
    });

    it('embeds on a server started with --embeddings', async () => {
      const req: EmbeddingRequest = {
        ...chat(),
        kind: 'embedding',
        input: ['the sea', 'the sky'],
      };
      const events = await collect(fullClient, req);
      const vectors = events.filter((e) => e.type === 'embedding');
      expect(vectors.map((v) => v.index)).toEqual([0, 1]);
      for (const v of vectors) if (v.type === 'embedding') expect(v.vector).toHaveLength(64);
      expect(events.at(-1)).toMatchObject({ type: 'done' });
    });

    it('learns from the 501 of a server without --embeddings that it has none', async () => {
      const refused: string[] = [];
      bareClient.onCapabilityRefused((capability) => refused.push(capability));
      const req = { ...chat(), kind: 'embedding', input: ['x'] } as EmbeddingRequest;
      const events = await collect(bareClient, req);
      expect(events).toHaveLength(1);
      // Retryable elsewhere: another node may well embed.
      expect(events[0]).toMatchObject({
        type: 'error',
        code: 'SY_ENGINE_ERROR',
        afterOutput: false,
      });
      expect((events[0] as { message: string }).message).toMatch(/embeddings/);
      expect(refused).toEqual(['embeddings']);
    });

    it('serves tools with jinja and refuses them (learning so) with --no-jinja', async () => {
      const tools = chat({
        tools: [{ name: 'get_weather', parameters: { type: 'object', properties: {} } }],
      });
      expect((await collect(fullClient, tools)).at(-1)).toMatchObject({ type: 'done' });
      const refused: string[] = [];
      bareClient.onCapabilityRefused((capability) => refused.push(capability));
      const events = await collect(bareClient, tools);
      expect(events).toEqual([expect.objectContaining({ type: 'error', code: 'SY_ENGINE_ERROR' })]);
      expect(refused).toEqual(['tools']);
      // The same server serves the request without tools.
      expect((await collect(bareClient, chat())).at(-1)).toMatchObject({ type: 'done' });
    });

    it('learns each server’s capabilities before traffic: /props, then probes', async () => {
      const metrics = createMetrics(WORKER_METRICS).metrics;
      const fullCaps = await new NodeCapabilitiesLearner(
        llamacppAdapter,
        fullClient,
        metrics,
        quiet,
      ).learn(MODEL);
      expect(fullCaps).toMatchObject({
        embeddings: true,
        tools: true,
        vision: false,
        maxContextTokens: 1024,
        learnedFrom: { embeddings: 'probe', tools: 'probe', vision: 'engine' },
      });
      const bareCaps = await new NodeCapabilitiesLearner(
        llamacppAdapter,
        bareClient,
        metrics,
        quiet,
      ).learn(MODEL);
      expect(bareCaps).toMatchObject({ embeddings: false, tools: false, maxContextTokens: 512 });
    });

    it('ends a stream the engine fails after content with an in-band error (tiny-raw)', async () => {
      // The raw model emits invalid UTF-8 now and then; llama.cpp then fails the request with an
      // error frame after some output. Greedy decoding of varied prompts finds one quickly.
      let failed: StreamEvent[] | undefined;
      for (let i = 0; i < 30 && failed === undefined; i++) {
        const events = await collect(
          rawClient,
          chat({ messages: [{ role: 'user', content: `story ${i}` }] }, { maxTokens: 48 }),
        );
        if (events.at(-1)?.type === 'error' && deltas(events).length > 0) failed = events;
      }
      expect(failed).toBeDefined();
      expect(failed!.at(-1)).toMatchObject({ type: 'error', afterOutput: true });
      expect(failed!.filter((e) => e.type === 'done')).toHaveLength(0);
    });

    it('frees the slot when a request is cancelled', async () => {
      const controller = new AbortController();
      const running = collect(fullClient, chat({}, { maxTokens: 900 }), controller.signal);
      await waitFor(async () => (await slots(full)).some((s) => s.is_processing), {
        timeoutMs: 5000,
        what: 'a busy slot',
      });
      controller.abort();
      await running;
      await waitFor(async () => (await slots(full)).every((s) => !s.is_processing), {
        timeoutMs: 5000,
        what: 'every slot free after the cancel',
      });
    });

    it('reports not ready while the model loads, then ready', async () => {
      const loading = await startRealLlamaServer({ slots: 1, ctx: 256, waitReady: false });
      const probe = new EngineClient(loading.url, llamacppAdapter);
      try {
        const reasons = new Set<string>();
        const deadline = Date.now() + 20_000;
        for (;;) {
          const verdict = await probe.health();
          if (verdict.ready) break;
          reasons.add(verdict.reason ?? '');
          if (Date.now() > deadline) throw new Error(`never ready: ${[...reasons].join(', ')}`);
        }
        expect([...reasons]).toContain('loading model');
      } finally {
        await probe.close();
        await loading.close();
      }
    });

    it('reads KV use within 5 % of the server’s own /slots while a request runs', async () => {
      const controller = new AbortController();
      const req = chat({}, { maxTokens: 700 });
      const events = collect(fullClient, req, controller.signal);
      let sample: { bodies: Record<string, string | undefined>; decoded: number } | undefined;
      await waitFor(
        async () => {
          const bodies = await fullClient.scrape();
          const busy = (JSON.parse(bodies.slots ?? '[]') as SlotJson[]).find(
            (s) => s.is_processing,
          );
          const decoded = busy?.next_token?.[0]?.n_decoded ?? 0;
          if (decoded >= 100) sample = { bodies, decoded };
          return sample !== undefined;
        },
        { timeoutMs: 10_000, intervalMs: 5, what: 'a slot 100 tokens into its output' },
      );
      controller.abort();
      await events;
      // The prompt's size from a usage report of the same prompt (cached or not, it is in the slot).
      const usage = (await collect(fullClient, chat({}, { maxTokens: 1 }))).find(
        (e) => e.type === 'usage',
      );
      if (usage?.type !== 'usage' || sample === undefined) throw new Error('no usage');
      const all = JSON.parse(sample.bodies.slots ?? '[]') as SlotJson[];
      const capacity = all.reduce((n, s) => n + s.n_ctx, 0);
      const truth = (usage.promptTokens + sample.decoded) / capacity;
      const load = llamacppAdapter.parseLoad(sample.bodies);
      expect(load.running).toBe(1);
      expect(load.slotsTotal).toBe(2);
      expect(Math.abs(load.kvCacheUsage! - truth) / truth).toBeLessThan(0.05);
    });

    it('rates generation within 30 % of the true rate while requests run, never 0', async () => {
      const tracker = new NodeLoadTracker(llamacppAdapter);
      const stop = new AbortController();
      let streamed = 0;
      const worker = async () => {
        while (!stop.signal.aborted) {
          for await (const e of fullClient.stream(chat({}, { maxTokens: 600 }), stop.signal)) {
            if (e.type === 'delta') streamed += 1;
          }
        }
      };
      const workers = [worker(), worker()];
      try {
        await waitFor(async () => (await slots(full)).every((s) => s.is_processing), {
          timeoutMs: 5000,
          what: 'both slots busy',
        });
        const readings: { at: number; streamed: number; rate: number | null }[] = [];
        for (let i = 0; i < 12; i++) {
          const bodies = await fullClient.scrape();
          const at = Date.now();
          const load = tracker.update(bodies, { slots: 2, active: 2, queued: 0 }, at);
          readings.push({ at, streamed, rate: load.generationTokensPerSecond });
          await new Promise((r) => setTimeout(r, 300));
        }
        const first = readings[0]!;
        const last = readings.at(-1)!;
        const truth = (last.streamed - first.streamed) / ((last.at - first.at) / 1000);
        // From the second reading on there is a window: never 0 while both slots generate.
        for (const r of readings.slice(1)) expect(r.rate).toBeGreaterThan(0);
        expect(Math.abs(last.rate! - truth) / truth).toBeLessThan(0.3);
      } finally {
        stop.abort();
        await Promise.all(workers);
      }
    });
  },
);
