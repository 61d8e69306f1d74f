import { Backoff, ErrorThrottle } from './error-throttle';

describe('ErrorThrottle', () => {
  it('lets one line per distinct message per interval through, counting the rest', () => {
    let now = 0;
    const lines: string[] = [];
    const t = new ErrorThrottle(
      (err, n) => lines.push(`${err.message} +${n}`),
      1000,
      () => now,
    );
    for (let i = 0; i < 500; i++) t.report(new Error('READONLY'));
    t.report(new Error('ECONNREFUSED'));
    now = 1000;
    t.report(new Error('READONLY'));
    expect(lines).toEqual(['READONLY +0', 'ECONNREFUSED +0', 'READONLY +499']);
  });
});

describe('Backoff', () => {
  it('doubles from min to max with jitter in the upper half, and starts over on reset', () => {
    const b = new Backoff(100, 800);
    const caps = [100, 200, 400, 800, 800];
    for (const cap of caps) {
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(cap / 2);
      expect(d).toBeLessThanOrEqual(cap);
    }
    b.reset();
    expect(b.next()).toBeLessThanOrEqual(100);
  });
});
