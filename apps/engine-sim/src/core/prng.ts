/** FNV-1a over UTF-16 code units: a stable 32-bit hash, the same on every run and platform. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32: a tiny, fast PRNG with good enough spread for fake text. Yields [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG whose stream is a pure function of the given parts. */
export function seededRandom(...parts: readonly (string | number)[]): () => number {
  return mulberry32(fnv1a(parts.join('\u0000')));
}

/** Picks one element of a non-empty list with a random number in [0, 1). */
export function pick<T>(items: readonly T[], random: number): T {
  const item = items[Math.floor(random * items.length)];
  if (item === undefined) throw new RangeError('pick() needs a non-empty list');
  return item;
}
