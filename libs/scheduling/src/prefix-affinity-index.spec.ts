import { PrefixAffinityIndex } from './prefix-affinity-index';
import { prefixHashes, requestPrefixHashes } from './prefix-hash';

describe('prefixHashes', () => {
  const system = 'S'.repeat(512);

  it('hashes whole leading blocks only, at most maxBlocks of them', () => {
    expect(prefixHashes('x'.repeat(255))).toEqual([]);
    expect(prefixHashes('x'.repeat(256))).toHaveLength(1);
    expect(prefixHashes('x'.repeat(100_000))).toHaveLength(8);
    expect(prefixHashes('x'.repeat(1000), { blockChars: 100, maxBlocks: 20 })).toHaveLength(10);
  });

  it('chains: prompts share hash i exactly while their first i+1 blocks are equal', () => {
    const a = prefixHashes(system + 'A'.repeat(256) + 'tail one');
    const b = prefixHashes(system + 'B'.repeat(256) + 'tail two');
    expect(a).toHaveLength(3);
    expect(a.slice(0, 2)).toEqual(b.slice(0, 2));
    expect(a[2]).not.toBe(b[2]);
    // Same third block after different first blocks is a different prefix.
    const c = prefixHashes('T'.repeat(256) + 'S'.repeat(256));
    expect(c[1]).not.toBe(a[1]);
  });

  it('is deterministic and keeps models apart by salt', () => {
    expect(prefixHashes(system)).toEqual(prefixHashes(system));
    expect(prefixHashes(system, { salt: 'llama' })[0]).not.toBe(
      prefixHashes(system, { salt: 'qwen' })[0],
    );
    expect(
      requestPrefixHashes({ model: 'llama', modalities: ['text'], promptText: system }),
    ).toEqual(prefixHashes(system, { salt: 'llama' }));
    const given = ['x'];
    expect(requestPrefixHashes({ model: 'm', modalities: ['text'], prefixHashes: given })).toBe(
      given,
    );
  });
});

describe('PrefixAffinityIndex', () => {
  it('counts, per node, the unbroken run of leading blocks it holds', () => {
    const index = new PrefixAffinityIndex();
    index.record(['h0', 'h1', 'h2'], 'a', 0);
    index.record(['h0'], 'b', 0);
    index.record(['h1', 'h2'], 'c', 0); // no h0: a different prefix that collides later
    expect(index.lookup(['h0', 'h1', 'h2', 'h3'])).toEqual(
      new Map([
        ['b', 1],
        ['a', 3],
      ]),
    );
    expect(index.lookup(['zz', 'h1'])).toEqual(new Map());
    expect(index.lookup([])).toEqual(new Map());
  });

  it('forgets the least recently recorded prefix when full', () => {
    const index = new PrefixAffinityIndex({ maxEntries: 3 });
    index.record(['p1'], 'a', 0);
    index.record(['p2'], 'a', 1);
    index.record(['p3'], 'a', 2);
    index.record(['p1'], 'b', 3); // p1 recorded again: now the most recent
    index.record(['p4'], 'a', 4); // evicts p2
    expect(index.size).toBe(3);
    expect(index.lookup(['p2'])).toEqual(new Map());
    expect(index.lookup(['p1'])).toEqual(
      new Map([
        ['b', 1],
        ['a', 1],
      ]),
    );
  });

  it('keeps the most recent nodes per prefix, once each', () => {
    const index = new PrefixAffinityIndex({ nodesPerEntry: 2 });
    index.record(['p'], 'a', 0);
    index.record(['p'], 'b', 1);
    index.record(['p'], 'a', 2);
    index.record(['p'], 'c', 3);
    expect([...index.lookup(['p']).keys()]).toEqual(['c', 'a']);
  });

  it('ignores records older than maxAgeMs when told the time', () => {
    const index = new PrefixAffinityIndex({ maxAgeMs: 1000 });
    index.record(['p'], 'old', 0);
    index.record(['p'], 'new', 900);
    expect([...index.lookup(['p'], 1500).keys()]).toEqual(['new']);
    expect([...index.lookup(['p']).keys()].sort()).toEqual(['new', 'old']);
  });

  it('forgets a departed node', () => {
    const index = new PrefixAffinityIndex();
    index.record(['p', 'q'], 'a', 0);
    index.record(['p'], 'b', 0);
    index.forget('a');
    expect(index.lookup(['p', 'q'])).toEqual(new Map([['b', 1]]));
    expect(index.size).toBe(1);
  });

  it('refuses nonsense bounds', () => {
    expect(() => new PrefixAffinityIndex({ maxEntries: 0 })).toThrow(/maxEntries/);
  });
});
