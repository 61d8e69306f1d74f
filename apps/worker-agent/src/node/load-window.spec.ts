import { LoadWindow, prefillSpeed } from './load-window';

describe('LoadWindow', () => {
  it('rates generation from finished plus in-flight tokens; the gauge falling is no restart', () => {
    const w = new LoadWindow(10_000);
    // A request runs: nothing finished yet, 40 then 90 tokens in flight, then it ends (100).
    w.add(0, { generationTokensTotal: 500, generationTokensInFlight: 0 });
    w.add(1000, { generationTokensTotal: 500, generationTokensInFlight: 40 });
    expect(w.rates()).toMatchObject({
      generationCountsInFlight: true,
      generationTokensPerSecond: 40,
    });
    w.add(2000, { generationTokensTotal: 500, generationTokensInFlight: 90 });
    w.add(2500, { generationTokensTotal: 600, generationTokensInFlight: 0 });
    expect(w.rates().generationTokensPerSecond).toBe(40);
  });

  it('turns counter deltas over the window into rates', () => {
    const w = new LoadWindow(10_000);
    w.add(0, {
      promptTokensTotal: 100,
      generationTokensTotal: 50,
      prefixCacheQueriesTotal: 10,
      prefixCacheHitsTotal: 2,
      ttftSecondsSum: 1,
      ttftCount: 4,
    });
    w.add(2000, {
      promptTokensTotal: 300,
      generationTokensTotal: 150,
      prefixCacheQueriesTotal: 30,
      prefixCacheHitsTotal: 12,
      ttftSecondsSum: 2,
      ttftCount: 8,
    });
    expect(w.rates()).toEqual({
      promptTokensPerSecond: 100,
      generationCountsInFlight: false,
      generationTokensPerSecond: 50,
      prefixCacheHitRate: 0.5,
      ttftMs: 250,
      decodeTokensPerSecond: null,
      prefillTokensPerSecond: null,
      meanOutputTokens: null,
    });
  });

  it('gives null, not zero, for counters the engine does not expose or with no new samples', () => {
    const w = new LoadWindow(10_000);
    w.add(0, { generationTokensTotal: 0, ttftSecondsSum: 1, ttftCount: 4 });
    w.add(1000, { generationTokensTotal: 20, ttftSecondsSum: 1, ttftCount: 4 });
    expect(w.rates()).toEqual({
      promptTokensPerSecond: null,
      generationCountsInFlight: false,
      generationTokensPerSecond: 20,
      prefixCacheHitRate: null,
      ttftMs: null,
      decodeTokensPerSecond: null,
      prefillTokensPerSecond: null,
      meanOutputTokens: null,
    });
  });

  it('forgets readings older than the window', () => {
    const w = new LoadWindow(5000);
    w.add(0, { generationTokensTotal: 0 });
    w.add(5000, { generationTokensTotal: 1000 });
    w.add(10_000, { generationTokensTotal: 1100 });
    expect(w.rates().generationTokensPerSecond).toBe(20);
  });

  it('starts over when a counter goes down (engine restarted)', () => {
    const w = new LoadWindow(10_000);
    w.add(0, { generationTokensTotal: 5000 });
    w.add(1000, { generationTokensTotal: 10 });
    expect(w.rates().generationTokensPerSecond).toBeNull();
    w.add(2000, { generationTokensTotal: 110 });
    expect(w.rates().generationTokensPerSecond).toBe(100);
  });
});

describe('prefillSpeed', () => {
  /** Sums over requests of x = prompt tokens, y = seconds to first token. */
  const sums = (requests: [number, number][]) => ({
    n: requests.length,
    x: requests.reduce((a, [x]) => a + x, 0),
    y: requests.reduce((a, [, y]) => a + y, 0),
    xx: requests.reduce((a, [x]) => a + x * x, 0),
    xy: requests.reduce((a, [x, y]) => a + x * y, 0),
  });
  // A node prefilling 2,000 tokens/s with 80 ms of fixed cost on every request.
  const ttft = (tokens: number) => 0.08 + tokens / 2000;

  it('fits the fixed cost out: short prompts do not make a fast node look slow', () => {
    const requests: [number, number][] = [10, 12, 15, 20, 25, 30, 400].map((x) => [x, ttft(x)]);
    expect(prefillSpeed(sums(requests))).toBeCloseTo(2000, 6);
    // What the plain ratio would have said: a node a third as fast.
    const s = sums(requests);
    expect(s.x / s.y).toBeLessThan(700);
  });

  it('falls back to the ratio for long prompts of one size, and to null for short ones', () => {
    expect(
      prefillSpeed(
        sums([
          [1000, ttft(1000)],
          [1000, ttft(1000)],
          [1000, ttft(1000)],
        ]),
      ),
    ).toBeCloseTo(1000 / ttft(1000), 6);
    expect(
      prefillSpeed(
        sums([
          [20, ttft(20)],
          [20, ttft(20)],
          [30, ttft(30)],
        ]),
      ),
    ).toBeNull();
    expect(prefillSpeed({ n: 0, x: 0, y: 0, xx: 0, xy: 0 })).toBeNull();
    expect(prefillSpeed({ n: null, x: null, y: null, xx: null, xy: null })).toBeNull();
  });
});
