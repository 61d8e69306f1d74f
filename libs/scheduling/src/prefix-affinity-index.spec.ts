import { PrefixAffinityIndex } from './prefix-affinity-index';
import { prefixCharsCovered, prefixHashes, requestPrefixHashes } from './prefix-hash';

describe('prefixHashes', () => {
  const system = 'S'.repeat(512);

  it('hashes whole prefixes of 256, 512, 1,024, … characters, at most maxBlocks of them', () => {
    expect(prefixHashes('x'.repeat(255))).toEqual([]);
    expect(prefixHashes('x'.repeat(256))).toHaveLength(1);
    expect(prefixHashes('x'.repeat(511))).toHaveLength(1);
    expect(prefixHashes('x'.repeat(512))).toHaveLength(2);
    expect(prefixHashes('x'.repeat(32_767))).toHaveLength(7);
    expect(prefixHashes('x'.repeat(100_000))).toHaveLength(8);
    expect(prefixHashes('x'.repeat(1000), { blockChars: 100, maxBlocks: 20 })).toHaveLength(4);
    expect([1, 2, 3, 8].map((m) => prefixCharsCovered(m))).toEqual([256, 512, 1024, 32_768]);
    expect(prefixCharsCovered(0)).toBe(0);
  });

  it('chains: prompts share hash i exactly while their first prefixCharsCovered(i + 1) are equal', () => {
    const doc = 'S'.repeat(1024);
    const a = prefixHashes(doc + 'A'.repeat(1024) + 'tail one');
    const b = prefixHashes(doc + 'B'.repeat(1024) + 'tail two');
    expect(a).toHaveLength(4);
    expect(a.slice(0, 3)).toEqual(b.slice(0, 3));
    expect(a[3]).not.toBe(b[3]);
    // The same second half after a different first is a different prefix.
    const c = prefixHashes('T'.repeat(256) + 'S'.repeat(256));
    expect(c[1]).not.toBe(prefixHashes(system)[1]);
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
