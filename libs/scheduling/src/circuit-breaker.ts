/**
 * How one request ended on a node, as the breaker counts it. `client-error`: the node
 * answered properly that the request was bad (a 4xx caused by the request: bad params,
 * prompt too long, unknown model on that node) — never a sign of a broken node.
 */
export type NodeOutcome = 'ok' | 'client-error' | 'node-error';

/** closed: normal. open: refused until the cool-down ends. half-open: one probe may go. */
export type CircuitState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  /** Opens after this many node errors in a row (default 5). */
  consecutiveFailures?: number;
  /** …or when node errors are at least this share of outcomes in the window (default 0.5)… */
  failureRatio?: number;
  /** …once the window holds at least this many outcomes (default 20). */
  minRequests?: number;
  /** Sliding window for the ratio, in 10 buckets (default 30 s). */
  windowMs?: number;
  /** First cool-down (default 5 s); doubles after each failed probe up to `maxCoolDownMs`. */
  coolDownMs?: number;
  maxCoolDownMs?: number;
}

const BUCKETS = 10;

interface NodeCircuit {
  consecutive: number;
  /** Per bucket: its epoch (time / bucketMs) and counts; a bucket of an old epoch is empty. */
  epochs: number[];
  oks: number[];
  fails: number[];
  /** Unix ms the circuit opened, or null while closed. */
  openedAt: number | null;
  coolDownMs: number;
  /** When the half-open probe was sent, or null when none is out. */
  probeAt: number | null;
}

/**
 * Per-node circuit breaker, pure (time is passed in). The gateway marks candidates with
 * `circuitOpen: breaker.isOpen(id, now)`, calls `dispatched` when it sends a request to a
 * node, and `record` when the request ends there. A node error (5xx from the engine,
 * connection refused, timeout, stream broken) counts; a client error never does.
 */
export class CircuitBreaker {
  private readonly consecutiveFailures: number;
  private readonly failureRatio: number;
  private readonly minRequests: number;
  private readonly bucketMs: number;
  private readonly coolDownMs: number;
  private readonly maxCoolDownMs: number;
  private readonly nodes = new Map<string, NodeCircuit>();

  constructor(opts: CircuitBreakerOptions = {}) {
    this.consecutiveFailures = opts.consecutiveFailures ?? 5;
    this.failureRatio = opts.failureRatio ?? 0.5;
    this.minRequests = opts.minRequests ?? 20;
    this.bucketMs = (opts.windowMs ?? 30_000) / BUCKETS;
    this.coolDownMs = opts.coolDownMs ?? 5_000;
    this.maxCoolDownMs = Math.max(this.coolDownMs, opts.maxCoolDownMs ?? 60_000);
    const bad: string[] = [];
    if (!(this.consecutiveFailures >= 1)) bad.push('consecutiveFailures must be at least 1');
    if (!(this.failureRatio > 0 && this.failureRatio <= 1))
      bad.push('failureRatio must be in (0, 1]');
    if (!(this.minRequests >= 1)) bad.push('minRequests must be at least 1');
    if (!(this.bucketMs > 0)) bad.push('windowMs must be positive');
    if (!(this.coolDownMs > 0)) bad.push('coolDownMs must be positive');
    if (bad.length > 0) throw new RangeError(`CircuitBreaker: ${bad.join('; ')}`);
  }

  state(nodeId: string, now: number): CircuitState {
    const c = this.nodes.get(nodeId);
    if (c === undefined || c.openedAt === null) return 'closed';
    return now - c.openedAt < c.coolDownMs ? 'open' : 'half-open';
  }

  /**
   * Whether placement must skip the node now: open, or half-open with its one probe still
   * out (a probe with no outcome after a cool-down is presumed lost and another may go).
   */
  isOpen(nodeId: string, now: number): boolean {
    const c = this.nodes.get(nodeId);
    if (c === undefined || c.openedAt === null) return false;
    if (now - c.openedAt < c.coolDownMs) return true;
    return c.probeAt !== null && now - c.probeAt < c.coolDownMs;
  }

  /** A request was sent to the node; when half-open, it is the probe. */
  dispatched(nodeId: string, now: number): void {
    const c = this.nodes.get(nodeId);
    if (c !== undefined && this.state(nodeId, now) === 'half-open') c.probeAt = now;
  }

  record(nodeId: string, outcome: NodeOutcome, now: number): void {
    if (outcome === 'client-error') {
      // The node answered: proof of life for a probe, but no evidence for or against health.
      const c = this.nodes.get(nodeId);
      if (c !== undefined) c.probeAt = null;
      return;
    }
    const c = this.circuit(nodeId);
    const state = this.state(nodeId, now);
    if (outcome === 'ok') {
      if (state === 'half-open') this.close(c);
      else if (state === 'closed') c.consecutive = 0;
      this.count(c, now, false);
      return;
    }
    this.count(c, now, true);
    if (state === 'half-open') {
      c.openedAt = now;
      c.coolDownMs = Math.min(c.coolDownMs * 2, this.maxCoolDownMs);
      c.probeAt = null;
    } else if (state === 'closed') {
      c.consecutive++;
      if (c.consecutive >= this.consecutiveFailures || this.ratioTripped(c, now)) {
        c.openedAt = now;
        c.coolDownMs = this.coolDownMs;
      }
    }
  }

  /** Forgets a departed node. */
  forget(nodeId: string): void {
    this.nodes.delete(nodeId);
  }

  private circuit(nodeId: string): NodeCircuit {
    let c = this.nodes.get(nodeId);
    if (c === undefined) {
      c = {
        consecutive: 0,
        epochs: new Array<number>(BUCKETS).fill(-1),
        oks: new Array<number>(BUCKETS).fill(0),
        fails: new Array<number>(BUCKETS).fill(0),
        openedAt: null,
        coolDownMs: this.coolDownMs,
        probeAt: null,
      };
      this.nodes.set(nodeId, c);
    }
    return c;
  }

  private close(c: NodeCircuit): void {
    c.openedAt = null;
    c.probeAt = null;
    c.consecutive = 0;
    c.coolDownMs = this.coolDownMs;
    c.epochs.fill(-1); // the failures that opened it must not re-open it at once
  }

  private count(c: NodeCircuit, now: number, failed: boolean): void {
    const epoch = Math.floor(now / this.bucketMs);
    const i = epoch % BUCKETS;
    if (c.epochs[i] !== epoch) {
      c.epochs[i] = epoch;
      c.oks[i] = 0;
      c.fails[i] = 0;
    }
    if (failed) c.fails[i]! += 1;
    else c.oks[i]! += 1;
  }

  private ratioTripped(c: NodeCircuit, now: number): boolean {
    const epoch = Math.floor(now / this.bucketMs);
    let oks = 0;
    let fails = 0;
    for (let i = 0; i < BUCKETS; i++) {
      if (epoch - c.epochs[i]! < BUCKETS) {
        oks += c.oks[i]!;
        fails += c.fails[i]!;
      }
    }
    const total = oks + fails;
    return total >= this.minRequests && fails / total >= this.failureRatio;
  }
}
