import { OwnCounters } from './own-counters';

describe('OwnCounters.ttftP50Ms', () => {
  it('is the median first-token time of the window, in ms', () => {
    const own = new OwnCounters();
    expect(own.ttftP50Ms(0, 30_000)).toBeNull();
    own.firstToken(0.9, 1_000);
    own.firstToken(0.1, 2_000);
    own.firstToken(0.2, 3_000);
    expect(own.ttftP50Ms(3_000, 30_000)).toBeCloseTo(200);
    own.firstToken(0.4, 4_000);
    expect(own.ttftP50Ms(4_000, 30_000)).toBeCloseTo(300); // mean of the middle two
  });

  it('forgets first tokens older than the window', () => {
    const own = new OwnCounters();
    own.firstToken(5, 0);
    own.firstToken(0.05, 20_000);
    expect(own.ttftP50Ms(31_000, 30_000)).toBeCloseTo(50);
    expect(own.ttftP50Ms(60_000, 30_000)).toBeNull();
  });
});
