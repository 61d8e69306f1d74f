import type { CandidateNode, PlacementRequest } from '../cluster-view';
import { weightedScorers } from './scorers';
import { switchyardPlacer } from '../create-placer';
import { chosenId, node, policy, REQ } from '../node.spec-support';
import { place } from '../place';
import { PrefixAffinityIndex } from '../prefix-affinity-index';

const HASHES = ['h0', 'h1', 'h2', 'h3'];
const withPrefix: PlacementRequest = { ...REQ, prefixHashes: HASHES };

function indexWith(entries: [string, number][]): PrefixAffinityIndex {
  const index = new PrefixAffinityIndex();
  for (const [id, blocks] of entries) index.record(HASHES.slice(0, blocks), id, 0);
  return index;
}

/** Places `count` requests, charging each choice as the gateway does; returns the choices. */
function burst(nodes: CandidateNode[], count: number, pick: () => string): string[] {
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = pick();
    nodes.find((n) => n.snapshot.info.id === id)!.localInFlight += 1;
    out.push(id);
  }
  return out;
}

const countBy = (ids: string[]) =>
  ids.reduce<Record<string, number>>((m, id) => ({ ...m, [id]: (m[id] ?? 0) + 1 }), {});

describe('prefix affinity', () => {
  it('prefers the node that served the longest matching prefix', () => {
    const nodes = [node('a'), node('b'), node('c')];
    const prefixIndex = indexWith([
      ['a', 2],
      ['b', 4],
    ]);
    const d = place(nodes, withPrefix, policy({ prefixIndex }));
    expect(chosenId(d)).toBe('b');
    const values = d.candidates.map((c) => c.scores!['prefix-affinity']!.value);
    // Hash i covers 256 × 2^i characters: a holds 512 of b's 2,048.
    expect(values).toEqual([0.25, 1, 0]);
  });

  it('gives a nearly full node with the prefix no bonus: an idle node wins', () => {
    const nodes = [node('hot', { running: 3 }), node('idle')];
    const d = place(nodes, withPrefix, policy({ prefixIndex: indexWith([['hot', 4]]) }));
    expect(chosenId(d)).toBe('idle');
    expect(d.candidates[0]!.scores!['prefix-affinity']!.value).toBe(0);
    // Without the bound the 2-point bonus would have carried it.
    const unbounded = policy({
      prefixIndex: indexWith([['hot', 4]]),
      tuning: { ...policy().tuning, loadBoundEpsilon: 1e9 },
    });
    expect(chosenId(place(nodes, withPrefix, unbounded))).toBe('hot');
  });

  it('does not let a hot prefix starve the other nodes', () => {
    const run = (loadBoundEpsilon: number) => {
      const nodes = ['a', 'b', 'c', 'd'].map((id) => node(id, { slots: 4 }));
      const placer = switchyardPlacer({ random: () => 0.99, tuning: { loadBoundEpsilon } });
      return countBy(burst(nodes, 12, () => chosenId(placer.place(nodes, withPrefix, 0))!));
    };
    expect(run(0.25)).toEqual({ a: 3, b: 3, c: 3, d: 3 });
    // The same burst with the bound switched off fills a node before the next gets any,
    // and leaves one idle.
    expect(run(1e9)).toEqual({ a: 4, b: 4, c: 4 });
  });

  it('keeps affinity while the load is even, and spreads the prefix to more nodes', () => {
    const nodes = [node('a', { running: 1 }), node('b', { running: 1 })];
    const placer = switchyardPlacer({ random: () => 0.99 });
    placer.prefixIndex.record(HASHES, 'a', 0);
    expect(chosenId(placer.place(nodes, withPrefix, 0))).toBe('a');
    nodes[0]!.localInFlight = 2; // a now has 2, b 1: a would exceed its bound
    expect(chosenId(placer.place(nodes, withPrefix, 0))).toBe('b');
    expect(placer.prefixIndex.lookup(HASHES)).toEqual(
      new Map([
        ['b', 4],
        ['a', 4],
      ]),
    );
  });

  it('explores now and then: ignores affinity when the random draw falls under the rate', () => {
    // Equal load; b a little faster, a holds the prefix.
    const nodes = [
      node('a', { running: 1, decodeTps: 20 }),
      node('b', { running: 1, decodeTps: 21 }),
    ];
    const prefixIndex = indexWith([['a', 4]]);
    const exploit = place(nodes, withPrefix, policy({ prefixIndex, random: () => 0.5 }));
    expect(exploit).toMatchObject({ explored: false });
    expect(chosenId(exploit)).toBe('a');
    const explore = place(nodes, withPrefix, policy({ prefixIndex, random: () => 0.01 }));
    expect(explore).toMatchObject({ explored: true });
    expect(chosenId(explore)).toBe('b');
  });

  it('hashes the prompt text itself when the caller gives no hashes', () => {
    const text = 'You are a helpful assistant. '.repeat(40);
    const placer = switchyardPlacer({ random: () => 0.99 });
    const nodes = [node('a', { running: 1 }), node('b')];
    expect(chosenId(placer.place(nodes, { ...REQ, promptText: text }, 0))).toBe('b');
    nodes[1]!.snapshot.load.running = 1; // equal load again: only affinity tells them apart
    expect(chosenId(placer.place(nodes, { ...REQ, promptText: text + ' more' }, 1))).toBe('b');
    expect(chosenId(placer.place(nodes, { ...REQ, promptText: 'x' + text }, 2))).toBe('a');
  });
});

describe('session affinity', () => {
  const fleet = () => ['n1', 'n2', 'n3', 'n4', 'n5'].map((id) => node(id));
  const session = (key: string): PlacementRequest => ({ ...REQ, sessionKey: key });

  it('keeps a session on one node across calls', () => {
    const nodes = fleet();
    const first = chosenId(place(nodes, session('user-42'), policy()));
    for (let i = 0; i < 20; i++) {
      expect(chosenId(place([...nodes].reverse(), session('user-42'), policy()))).toBe(first);
    }
  });

  it('spreads different sessions over the nodes', () => {
    const nodes = fleet();
    const homes = new Set<string>();
    for (let i = 0; i < 50; i++) homes.add(chosenId(place(nodes, session(`s${i}`), policy()))!);
    expect(homes.size).toBe(5);
  });

  it('gives each node a share of the sessions in proportion to its slots', () => {
    const nodes = [
      node('small', { slots: 2 }),
      node('mid', { slots: 6 }),
      node('big', { slots: 12 }),
    ];
    const onlySessions = policy({
      scorers: weightedScorers({
        'predicted-wait': 0,
        'free-slots': 0,
        'kv-pressure': 0,
        'prefix-affinity': 0,
        ttft: 0,
      }),
    });
    const counts: Record<string, number> = { small: 0, mid: 0, big: 0 };
    for (let i = 0; i < 4000; i++)
      counts[chosenId(place(nodes, session(`w${i}`), onlySessions))!]! += 1;
    expect(counts.small! / 4000).toBeCloseTo(2 / 20, 1);
    expect(counts.mid! / 4000).toBeCloseTo(6 / 20, 1);
    expect(counts.big! / 4000).toBeCloseTo(12 / 20, 1);
  });

  it('moves only the sessions of a node that leaves', () => {
    const nodes = fleet();
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    const before = keys.map((k) => chosenId(place(nodes, session(k), policy()))!);
    const gone = before[0]!;
    const after = keys.map((k) =>
      chosenId(
        place(
          nodes.filter((n) => n.snapshot.info.id !== gone),
          session(k),
          policy(),
        ),
      )!,
    );
    for (const [i, home] of before.entries()) {
      if (home === gone) expect(after[i]).not.toBe(gone);
      else expect(after[i]).toBe(home);
    }
  });

  it('respects bounded load: a loaded home node does not get the session', () => {
    const nodes = fleet();
    const home = chosenId(place(nodes, session('user-7'), policy()))!;
    nodes.find((n) => n.snapshot.info.id === home)!.localInFlight = 2;
    const d = place(nodes, session('user-7'), policy());
    expect(chosenId(d)).not.toBe(home);
    const homeRow = d.candidates.find((c) => c.nodeId === home)!;
    expect(homeRow.scores!['session-affinity']!.value).toBe(0);
    expect(d.candidates.filter((c) => c.scores!['session-affinity']!.value === 1)).toHaveLength(1);
  });
});

describe('claim limit', () => {
  it('lets a node that probably caches the prefix take one queued request per slot', () => {
    const nodes = [node('holder', { slots: 4 }), node('other', { slots: 6 })];
    const holder = place(nodes, withPrefix, policy({ prefixIndex: indexWith([['holder', 4]]) }));
    expect(chosenId(holder)).toBe('holder');
    expect(holder).toMatchObject({ claimLimit: 8 });
    const fresh = place(nodes, withPrefix, policy({ prefixIndex: new PrefixAffinityIndex() }));
    expect(fresh).toMatchObject({ claimLimit: fresh.chosen!.snapshot.load.slotsTotal });
  });
});
