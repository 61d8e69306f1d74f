import { embedText } from './text-embedder';

const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

describe('embedText', () => {
  it('gives a deterministic unit vector of the asked length, per model', () => {
    const a = embedText('m', 'The quick fox', 64);
    expect(a).toHaveLength(64);
    expect(norm(a)).toBeCloseTo(1, 5);
    expect(embedText('m', 'The quick fox', 64)).toEqual(a);
    expect(embedText('other', 'The quick fox', 64)).not.toEqual(a);
    expect(a.every((x) => Math.fround(x) === x)).toBe(true);
  });

  it('ignores case and spacing of words, and embeds empty text too', () => {
    expect(embedText('m', 'the quick fox', 8)).toEqual(embedText('m', 'The  quick Fox', 8));
    expect(norm(embedText('m', '', 8))).toBeCloseTo(1, 5);
  });
});
