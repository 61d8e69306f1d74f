import { roundRobinPolicy, randomPolicy } from './baselines';
import { createPlacer, switchyardPlacer, type PlacerConfig } from './create-placer';
import { chosenId, node, REQ } from './node.spec-support';
import { DEFAULT_WEIGHTS } from './scorers/scorers';

describe('createPlacer', () => {
  it('builds the configured strategy', () => {
    expect(createPlacer().strategy).toBe('switchyard');
    expect(createPlacer({ placement: 'round-robin' }).strategy).toBe('round-robin');
    expect(createPlacer({ placement: 'random' }).strategy).toBe('random');
    const unchecked = { placement: 'least-loaded' } as unknown as PlacerConfig;
    expect(() => createPlacer(unchecked)).toThrow(/switchyard, round-robin, random/);
  });

  it('fails at once on bad tuning, naming every bad value', () => {
    expect(() =>
      createPlacer({ tuning: { maxKvCacheUsage: 2, staleAfterMs: 0, loadBoundEpsilon: -1 } }),
    ).toThrow(/staleAfterMs.*maxKvCacheUsage.*loadBoundEpsilon/);
    expect(() => createPlacer({ weights: { ttft: NaN } })).toThrow(/ttft/);
  });

  it('takes weights from config; 0 turns a scorer off', () => {
    const placer = switchyardPlacer({ weights: { ttft: 0, 'free-slots': 3 } });
    const weights = Object.fromEntries(placer.policy.scorers.map((s) => [s.scorer.name, s.weight]));
    expect(weights).toEqual({ ...DEFAULT_WEIGHTS, 'free-slots': 3, ttft: undefined });
    expect('ttft' in weights).toBe(false);
  });

  it('answers saturated through the placer too', () => {
    const d = createPlacer().place([node('a', { running: 4, waiting: 4 })], REQ, 0);
    expect(d).toMatchObject({ outcome: 'saturated', chosen: null, saturated: true });
  });
});

describe('baselines', () => {
  const nodes = [
    node('a'),
    node('down', { state: 'draining' }),
    node('b'),
    node('c', { running: 4, waiting: 9 }),
  ];

  it('round robin cycles over the eligible nodes, load-blind', () => {
    const rr = roundRobinPolicy();
    const picks = Array.from({ length: 7 }, () => chosenId(rr.place(nodes, REQ, 0)));
    expect(picks).toEqual(['a', 'b', 'c', 'a', 'b', 'c', 'a']);
  });

  it('round robin still honours the hard constraints', () => {
    const rr = roundRobinPolicy({ explain: true });
    const d = rr.place(nodes, { ...REQ, selectors: { zone: 'x' } }, 0);
    expect(d).toMatchObject({ outcome: 'no-node', chosen: null });
    expect(d.candidates.map((c) => c.removedBy)).toEqual([
      'selectors',
      'ready',
      'selectors',
      'selectors',
    ]);
  });

  it('random picks uniformly among the eligible nodes with the injected source', () => {
    const draws = [0, 0.34, 0.67, 0.999];
    const picks = draws.map((r) => chosenId(randomPolicy(() => r).place(nodes, REQ, 0)));
    expect(picks).toEqual(['a', 'b', 'c', 'c']);
  });
});

describe('placer hooks', () => {
  it('the switchyard placer keeps its circuit breaker through onPlaced / onFinished', () => {
    const placer = switchyardPlacer();
    expect(placer.circuitOpen('a', 0)).toBe(false);
    for (let i = 0; i < 25; i++) {
      placer.onPlaced('a', REQ, i);
      placer.onFinished('a', 'node-error', i);
    }
    expect(placer.circuitOpen('a', 30)).toBe(true);
    // Client errors are never the node's fault.
    for (let i = 0; i < 25; i++) placer.onFinished('b', 'client-error', i);
    expect(placer.circuitOpen('b', 30)).toBe(false);
  });

  it('onStarted records the node that took a queued request as holding its prefix', () => {
    const placer = switchyardPlacer();
    const req = { ...REQ, prefixHashes: ['h1', 'h2'] };
    placer.onStarted('late-binder', req, 100);
    expect([...placer.prefixIndex.lookup(['h1', 'h2'], 100).keys()]).toEqual(['late-binder']);
  });

  it('the baselines keep no state about nodes: no hooks at all', () => {
    for (const placement of ['round-robin', 'random'] as const) {
      const placer = createPlacer({ placement });
      const hooks = ['circuitOpen', 'onPlaced', 'onStarted', 'onFinished'] as const;
      expect(hooks.filter((h) => h in placer)).toEqual([]);
    }
  });
});
