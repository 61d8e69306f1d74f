import { shortenVector } from './embedding-dimensions';

describe('shortenVector', () => {
  it('keeps the first components and the whole vector’s length', () => {
    const unit = [0.6, 0, 0.8];
    const short = shortenVector(unit, 2);
    expect(short).toEqual([1, 0]);
    const long = [3, 4, 12]; // length 13
    const kept = shortenVector(long, 2); // [3, 4] has length 5
    expect(kept[0]).toBeCloseTo(7.8, 12);
    expect(kept[1]).toBeCloseTo(10.4, 12);
    expect(Math.hypot(...kept)).toBeCloseTo(13, 12);
  });

  it('returns the vector unchanged when it is not longer than asked', () => {
    expect(shortenVector([0.6, 0.8], 2)).toEqual([0.6, 0.8]);
    expect(shortenVector([0.6, 0.8], 5)).toEqual([0.6, 0.8]);
  });

  it('leaves all-zero leading components as they are', () => {
    expect(shortenVector([0, 0, 1], 2)).toEqual([0, 0]);
  });
});
