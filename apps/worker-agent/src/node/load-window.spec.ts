import { LoadWindow } from './load-window';

describe('LoadWindow', () => {
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
      generationTokensPerSecond: 50,
      prefixCacheHitRate: 0.5,
      ttftMs: 250,
    });
  });

  it('gives null, not zero, for counters the engine does not expose or with no new samples', () => {
    const w = new LoadWindow(10_000);
    w.add(0, { generationTokensTotal: 0, ttftSecondsSum: 1, ttftCount: 4 });
    w.add(1000, { generationTokensTotal: 20, ttftSecondsSum: 1, ttftCount: 4 });
    expect(w.rates()).toEqual({
      promptTokensPerSecond: null,
      generationTokensPerSecond: 20,
      prefixCacheHitRate: null,
      ttftMs: null,
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
