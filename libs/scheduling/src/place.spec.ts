import { chosenId, node, policy, REQ } from './node.spec-support';
import { DEFAULT_POLICY, place, type PlacementPolicy } from './place';
import { SCORERS } from './scorers/scorers';
import type { NodeScorer } from './scorers/scorer';

describe('place', () => {
  it('removes nodes that are not ready or do not serve the model, and says which filter did', () => {
    const d = place(
      [node('a', { state: 'warming' }), node('b', { models: ['other'] }), node('c')],
      REQ,
      policy(),
    );
    expect(chosenId(d)).toBe('c');
    expect(d.outcome).toBe('placed');
    expect(d.candidates.slice(0, 2)).toEqual([
      { nodeId: 'a', removedBy: 'ready' },
      { nodeId: 'b', removedBy: 'serves-model' },
    ]);
    const c = d.candidates[2]!;
    expect(c.nodeId).toBe('c');
    expect(c.removedBy).toBeUndefined();
    expect(Object.keys(c.scores!).sort()).toEqual(Object.keys(SCORERS).sort());
    expect(c.scores!['free-slots']).toEqual({ value: 1, weight: 1 });
    // Idle, unmeasured: 256 typical tokens at the default 20 tokens/s per slot.
    expect(c.scores!['predicted-wait']!.value).toBeCloseTo(-12.8, 6);
    const sum = Object.values(c.scores!).reduce((s, v) => s + v.value * v.weight, 0);
    expect(c.total).toBeCloseTo(sum, 9);
  });

  it('returns no node, not saturated, when none passes the hard filters', () => {
    const d = place([node('a', { state: 'draining' })], REQ, policy());
    expect(d).toMatchObject({ outcome: 'no-node', chosen: null, saturated: false });
  });

  it('prefers the node with the larger share of free slots', () => {
    const d = place([node('busy', { running: 3 }), node('idle', { running: 1 })], REQ, policy());
    expect(chosenId(d)).toBe('idle');
  });

  it('counts this gateway’s own reservations the heartbeat has not reported yet', () => {
    const d = place([node('a', { local: 3 }), node('b', { running: 1 })], REQ, policy());
    expect(chosenId(d)).toBe('b');
  });

  it('spreads a burst across equal nodes when the caller charges each choice', () => {
    const nodes = [node('a'), node('b')];
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 8; i++) {
      const chosen = place(nodes, REQ).chosen!;
      chosen.localInFlight += 1;
      counts[chosen.snapshot.info.id]! += 1;
    }
    expect(counts).toEqual({ a: 4, b: 4 });
  });

  it('places on the least committed node when every node is busy but none saturated', () => {
    const d = place(
      [node('a', { running: 4, waiting: 3 }), node('b', { running: 4, waiting: 1 })],
      REQ,
      policy(),
    );
    expect(chosenId(d)).toBe('b');
  });

  it('breaks exact ties at random so replicas with the same view do not pile onto one node', () => {
    const seen = new Set<string>();
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const d = place([node('a'), node('b')], REQ, { ...DEFAULT_POLICY, random: () => r });
      seen.add(chosenId(d)!);
    }
    expect(seen).toEqual(new Set(['a', 'b']));
  });

  describe('saturation', () => {
    it('answers saturated, with no node, when every servable node is saturated', () => {
      const d = place(
        [
          node('queue', { slots: 4, running: 4, waiting: 4 }),
          node('kv', { kv: 0.97 }),
          node('ours', { slots: 2, local: 4 }),
          node('other-model', { models: ['x'] }),
        ],
        REQ,
        policy(),
      );
      expect(d).toMatchObject({ outcome: 'saturated', chosen: null, saturated: true });
      expect(d.candidates.map((c) => c.removedBy)).toEqual([
        'not-saturated',
        'not-saturated',
        'not-saturated',
        'serves-model',
      ]);
    });

    it('places on the one unsaturated node rather than answering saturated', () => {
      const d = place(
        [node('full', { running: 4, waiting: 4 }), node('deep', { running: 4, waiting: 3 })],
        REQ,
        policy(),
      );
      expect(d).toMatchObject({ outcome: 'placed', saturated: false });
      expect(chosenId(d)).toBe('deep');
    });

    it('does not count a node that fails a hard filter as saturated', () => {
      const d = place([node('a', { state: 'draining', running: 4, waiting: 9 })], REQ, policy());
      expect(d).toMatchObject({ outcome: 'no-node', saturated: false });
      expect(d.candidates).toEqual([{ nodeId: 'a', removedBy: 'ready' }]);
    });

    it('treats a stale snapshot as saturated, and only when the decision knows the time', () => {
      const nodes = [node('old', { at: 1_000 }), node('fresh', { at: 9_000, running: 3 })];
      expect(chosenId(place(nodes, REQ, policy({ now: 10_000 })))).toBe('fresh');
      expect(chosenId(place(nodes, REQ, policy()))).toBe('old');
      const allOld = place([node('old', { at: 1_000 })], REQ, policy({ now: 10_000 }));
      expect(allOld).toMatchObject({ outcome: 'saturated', saturated: true });
    });
  });

  it('skips explanations when asked and still makes the same choice', () => {
    const nodes = [node('a', { running: 2 }), node('b', { state: 'warming' }), node('c')];
    const withE = place(nodes, REQ, policy());
    const without = place(nodes, REQ, policy({ explain: false }));
    expect(without.candidates).toEqual([]);
    expect(withE.candidates).toHaveLength(3);
    expect(chosenId(without)).toBe(chosenId(withE));
    expect(chosenId(without)).toBe('c');
  });

  it('keeps each decision’s explanation its own, whatever later decisions compute', () => {
    const first = place(
      [node('a', { running: 1 }), node('b', { state: 'warming' })],
      REQ,
      policy(),
    );
    const second = place([node('x', { running: 3 }), node('y')], REQ, policy());
    expect(second.candidates.map((c) => c.nodeId)).toEqual(['x', 'y']);
    expect(first.candidates).toEqual([
      expect.objectContaining({ nodeId: 'a', total: expect.any(Number) as number }),
      { nodeId: 'b', removedBy: 'ready' },
    ]);
    expect(first.candidates[0]!.scores!['free-slots']!.value).toBe(0.75);
  });

  it('survives a scorer that itself places (its own working buffers)', () => {
    const nested: NodeScorer = {
      name: 'nested',
      score: (candidates, _req, _ctx, out) => {
        place([node('inner-1'), node('inner-2'), node('inner-3')], REQ, policy());
        candidates.forEach((n, i) => (out[i] = n.snapshot.info.id === 'b' ? 1 : 0));
        return true;
      },
    };
    const d = place(
      [node('a'), node('b')],
      REQ,
      policy({ scorers: [{ scorer: nested, weight: 1 }] }),
    );
    expect(chosenId(d)).toBe('b');
    expect(d.candidates.map((c) => c.total)).toEqual([0, 1]);
  });

  it('never lets a NaN score win or block the choice', () => {
    const nanForA: NodeScorer = {
      name: 'nan-for-a',
      score: (candidates, _req, _ctx, out) => {
        candidates.forEach((n, i) => (out[i] = n.snapshot.info.id === 'a' ? NaN : 0));
        return true;
      },
    };
    const p: PlacementPolicy = policy({ scorers: [{ scorer: nanForA, weight: 1 }] });
    expect(chosenId(place([node('a'), node('b')], REQ, p))).toBe('b');
    expect(chosenId(place([node('a')], REQ, p))).toBe('a');
  });
});
