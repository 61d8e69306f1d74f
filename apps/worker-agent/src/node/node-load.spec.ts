import type { EngineAdapter } from '@switchyard/engines';
import { NodeLoadTracker } from './node-load';

/** An engine that exposes nothing: every figure comes from the worker's own bookkeeping. */
const SILENT_ENGINE = { parseLoad: () => ({}) } as unknown as EngineAdapter;
const IDLE = { slots: 4, active: 0, queued: 0 };

describe('NodeLoadTracker speeds', () => {
  it('measures per-sequence decode speed, prefill speed and mean output from finished requests', () => {
    const t = new NodeLoadTracker(SILENT_ENGINE);
    t.update({}, IDLE, 0);
    // 50 ms fixed cost, 4,000 prompt tokens/s, 40 tokens/s per sequence.
    for (const [prompt, output] of [
      [20, 9],
      [800, 41],
      [2000, 81],
    ] as const) {
      t.own.usage(prompt, output);
      t.own.finished({
        ttftSeconds: 0.05 + prompt / 4000,
        decodeSeconds: (output - 1) / 40,
        promptTokens: prompt,
        completionTokens: output,
        choices: 1,
      });
    }
    const load = t.update({}, IDLE, 1000);
    expect(load.decodeTokensPerSecond).toBeCloseTo(40, 6);
    expect(load.prefillTokensPerSecond).toBeCloseTo(4000, 6);
    expect(load.meanOutputTokens).toBeCloseTo(131 / 3, 6);
  });

  it('counts one sequence of an n>1 request, and only the uncached part of its prompt', () => {
    const t = new NodeLoadTracker(SILENT_ENGINE);
    t.update({}, IDLE, 0);
    for (let i = 0; i < 3; i++) {
      t.own.usage(1500, 3 * 21);
      t.own.finished({
        ttftSeconds: 0.25,
        decodeSeconds: 0.5,
        promptTokens: 1500,
        cachedTokens: 500,
        completionTokens: 3 * 21, // three choices of 21 tokens, decoded side by side
        choices: 3,
      });
    }
    const load = t.update({}, IDLE, 1000);
    expect(load.decodeTokensPerSecond).toBeCloseTo(20 / 0.5, 6);
    expect(load.prefillTokensPerSecond).toBeCloseTo(1000 / 0.25, 6);
  });

  it('keeps the speeds while the node idles; throughput falls to zero', () => {
    const t = new NodeLoadTracker(SILENT_ENGINE);
    t.update({}, IDLE, 0);
    t.own.usage(600, 33);
    t.own.finished({
      ttftSeconds: 0.3,
      decodeSeconds: 1,
      promptTokens: 600,
      completionTokens: 33,
      choices: 1,
    });
    expect(t.update({}, IDLE, 1000).decodeTokensPerSecond).toBe(32);
    // Two minutes without a request: the window holds no work, the hardware is as fast.
    t.update({}, IDLE, 60_000);
    const idle = t.update({}, IDLE, 120_000);
    expect(idle.generationTokensPerSecond).toBe(0);
    expect(idle).toMatchObject({
      decodeTokensPerSecond: 32,
      prefillTokensPerSecond: 2000,
      meanOutputTokens: 33,
    });
  });
});

describe('NodeLoadTracker generation rate', () => {
  /** An engine whose generation counter moves only as requests finish (TGI's histogram sum). */
  const lagging = {
    parseLoad: () => ({}),
    parseCounters: () => ({ generationTokensTotal: 1000 }),
  } as unknown as EngineAdapter;

  it('rates from the worker’s own relay count while requests run, when the engine lags', () => {
    const t = new NodeLoadTracker(lagging);
    t.update({}, IDLE, 0);
    t.own.streamed(40);
    const busy = { slots: 4, active: 2, queued: 0 };
    const load = t.update({}, busy, 1000);
    expect(load.generationTokensPerSecond).toBe(40);
    expect(load.derived).toContain('generationTokensPerSecond');
    // The request ends: its usage counts the exact figure, the in-flight count leaves.
    t.own.usage(10, 45);
    t.own.settled(40, true);
    expect(t.update({}, busy, 2000).generationTokensPerSecond).toBe(22.5);
  });

  it('takes the engine’s figure when it counts tokens in flight', () => {
    let inFlight = 0;
    const live = {
      parseLoad: () => ({}),
      parseCounters: () => ({ generationTokensTotal: 1000, generationTokensInFlight: inFlight }),
    } as unknown as EngineAdapter;
    const t = new NodeLoadTracker(live);
    t.update({}, IDLE, 0);
    inFlight = 300;
    const load = t.update({}, { slots: 4, active: 2, queued: 0 }, 1000);
    expect(load.generationTokensPerSecond).toBe(300);
    expect(load.derived ?? []).not.toContain('generationTokensPerSecond');
  });
});
