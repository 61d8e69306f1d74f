import { CircuitBreaker, type NodeOutcome } from './circuit-breaker';

const feed = (b: CircuitBreaker, outcomes: NodeOutcome[], at = 0) => {
  for (const o of outcomes) b.record('n', o, at);
};
const times = (n: number, o: NodeOutcome): NodeOutcome[] => Array<NodeOutcome>(n).fill(o);

describe('CircuitBreaker', () => {
  it('opens after consecutive node errors', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 3 });
    feed(b, times(2, 'node-error'));
    expect(b.isOpen('n', 0)).toBe(false);
    feed(b, ['node-error']);
    expect(b.isOpen('n', 0)).toBe(true);
    expect(b.state('n', 0)).toBe('open');
    expect(b.isOpen('other', 0)).toBe(false);
  });

  it('never counts client errors: a node answering 4xx for bad requests stays closed', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 3, minRequests: 5, failureRatio: 0.5 });
    feed(b, times(100, 'client-error'));
    expect(b.state('n', 0)).toBe('closed');
    // Nor do they break a run of node errors, or dilute the ratio.
    feed(b, ['node-error', 'node-error', 'client-error', 'node-error']);
    expect(b.state('n', 0)).toBe('open');
  });

  it('a success resets the run of consecutive errors', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 3, minRequests: 1000 });
    feed(b, ['node-error', 'node-error', 'ok', 'node-error', 'node-error']);
    expect(b.state('n', 0)).toBe('closed');
  });

  it('opens on the failure ratio over the window once there are enough outcomes', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 100, minRequests: 10, failureRatio: 0.5 });
    const alternating = Array.from({ length: 8 }, (_, i): NodeOutcome =>
      i % 2 ? 'ok' : 'node-error',
    );
    feed(b, alternating);
    expect(b.state('n', 0)).toBe('closed'); // 8 outcomes: too few to judge
    feed(b, ['ok', 'node-error']);
    expect(b.state('n', 0)).toBe('open'); // 5 of 10
  });

  it('forgets outcomes older than the window', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 100, minRequests: 10, windowMs: 10_000 });
    feed(b, times(9, 'node-error'), 0);
    feed(b, ['ok'], 20_000); // the 9 errors are two windows old
    b.record('n', 'node-error', 20_000);
    expect(b.state('n', 20_000)).toBe('closed');
    const fresh = new CircuitBreaker({
      consecutiveFailures: 100,
      minRequests: 10,
      windowMs: 10_000,
    });
    feed(fresh, times(9, 'node-error'), 0);
    fresh.record('n', 'node-error', 5_000);
    expect(fresh.state('n', 5_000)).toBe('open');
  });

  it('lets one probe through after the cool-down, closes on its success', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 1, coolDownMs: 1000 });
    b.record('n', 'node-error', 0);
    expect(b.isOpen('n', 999)).toBe(true);
    expect(b.state('n', 1000)).toBe('half-open');
    expect(b.isOpen('n', 1000)).toBe(false);
    b.dispatched('n', 1000);
    expect(b.isOpen('n', 1001)).toBe(true); // the probe is out: no second request
    b.record('n', 'ok', 1200);
    expect(b.state('n', 1200)).toBe('closed');
    expect(b.isOpen('n', 1200)).toBe(false);
  });

  it('re-opens for a doubled cool-down when the probe fails', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 1, coolDownMs: 1000, maxCoolDownMs: 3000 });
    b.record('n', 'node-error', 0);
    b.dispatched('n', 1000);
    b.record('n', 'node-error', 1100);
    expect(b.isOpen('n', 2999)).toBe(true);
    expect(b.state('n', 3100)).toBe('half-open');
    b.dispatched('n', 3100);
    b.record('n', 'node-error', 3100);
    expect(b.isOpen('n', 6099)).toBe(true); // capped at 3000, not 4000
    expect(b.isOpen('n', 6100)).toBe(false);
  });

  it('a probe that ends in a client error frees the probe slot without closing', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 1, coolDownMs: 1000 });
    b.record('n', 'node-error', 0);
    b.dispatched('n', 1000);
    b.record('n', 'client-error', 1100);
    expect(b.state('n', 1100)).toBe('half-open');
    expect(b.isOpen('n', 1100)).toBe(false);
  });

  it('presumes a probe with no outcome after a cool-down lost, and lets another go', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 1, coolDownMs: 1000 });
    b.record('n', 'node-error', 0);
    b.dispatched('n', 1000);
    expect(b.isOpen('n', 1999)).toBe(true);
    expect(b.isOpen('n', 2000)).toBe(false);
  });

  it('does not re-open at once on the old errors after closing', () => {
    const b = new CircuitBreaker({ consecutiveFailures: 100, minRequests: 4, coolDownMs: 10 });
    feed(b, times(4, 'node-error'));
    expect(b.state('n', 0)).toBe('open');
    b.dispatched('n', 10);
    b.record('n', 'ok', 10);
    b.record('n', 'node-error', 11);
    expect(b.state('n', 11)).toBe('closed');
  });

  it('refuses nonsense options, naming each', () => {
    expect(() => new CircuitBreaker({ failureRatio: 0, coolDownMs: -1 })).toThrow(
      /failureRatio.*coolDownMs/,
    );
  });
});
