import { ERROR_CODES, isTerminal, type ErrorEvent, type StreamEvent } from '@switchyard/contracts';

/**
 * One request's events, in `seq` order, ending after the terminal event (`done`, `error`, or
 * the hub's own SY_STREAM_INTERRUPTED when a gap is not filled). It ends without a terminal
 * event only when closed. It does not time out while nothing at all arrives: the caller's
 * request deadline covers a job that never starts.
 */
export interface RequestEvents extends AsyncIterable<StreamEvent> {
  readonly requestId: string;
  /** Stops the stream (pending `next()` calls end) and unregisters it. Idempotent. */
  close(): void;
}

export interface OrderedEventStreamOptions {
  /** How long a missing `seq` may hold back later events before the stream ends in error. */
  gapTimeoutMs: number;
  /** Out-of-order events one request may hold; beyond that the stream ends in error. */
  maxBuffered: number;
  /** Called once, when the stream is closed or its terminal event has been read. */
  onFinished: () => void;
}

export type PushOutcome = 'accepted' | 'duplicate' | 'late';

/**
 * Reorders one request's relay messages by `seq` (0, 1, 2, …): later ones wait for the gap
 * to fill, duplicates are dropped, nothing passes the terminal event. A consumer awaiting
 * `next()` is woken by the message that makes the next event available (no polling).
 */
export class OrderedEventStream implements RequestEvents, AsyncIterator<StreamEvent> {
  private nextSeq = 0;
  private readonly pending = new Map<number, StreamEvent>();
  private readonly ready: StreamEvent[] = [];
  private readonly waiters: ((result: IteratorResult<StreamEvent>) => void)[] = [];
  private terminated = false;
  private finished = false;
  private sawDelta = false;
  private gapTimer: NodeJS.Timeout | undefined;
  private gapTimerSeq = -1;

  constructor(
    readonly requestId: string,
    private readonly opts: OrderedEventStreamOptions,
  ) {}

  /** Takes the message numbered `seq` from the wire. */
  push(seq: number, event: StreamEvent): PushOutcome {
    if (this.terminated || this.finished) return 'late';
    if (seq < this.nextSeq || this.pending.has(seq)) return 'duplicate';
    this.pending.set(seq, event);
    for (
      let next = this.pending.get(this.nextSeq);
      next !== undefined;
      next = this.pending.get(this.nextSeq)
    ) {
      this.pending.delete(this.nextSeq);
      this.nextSeq++;
      this.deliver(next);
      if (this.terminated) return 'accepted';
    }
    if (this.pending.size > this.opts.maxBuffered) {
      this.interrupt(
        `more than ${this.opts.maxBuffered} events arrived while event ${this.nextSeq} was missing`,
      );
      return 'accepted';
    }
    this.armGapTimer();
    return 'accepted';
  }

  /**
   * Adds an event from the gateway itself, after everything already deliverable; events
   * held behind a gap are dropped if it is terminal. False when the stream has ended.
   */
  inject(event: StreamEvent): boolean {
    if (this.terminated || this.finished) return false;
    this.deliver(event);
    return true;
  }

  next(): Promise<IteratorResult<StreamEvent>> {
    const value = this.ready.shift();
    if (value !== undefined) return Promise.resolve({ value, done: false });
    if (this.terminated || this.finished) {
      this.finish();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  return(): Promise<IteratorResult<StreamEvent>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamEvent> {
    return this;
  }

  close(): void {
    this.ready.length = 0;
    this.finish();
  }

  private deliver(event: StreamEvent): void {
    if (event.type === 'delta') this.sawDelta = true;
    if (isTerminal(event)) {
      this.terminated = true;
      this.pending.clear();
      this.clearGapTimer();
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter({ value: event, done: false });
    else this.ready.push(event);
    // A consumer that queued several next() calls has now seen the end.
    if (this.terminated && this.waiters.length > 0) this.finish();
  }

  private armGapTimer(): void {
    if (this.pending.size === 0) {
      this.clearGapTimer();
      return;
    }
    // One timer per missing seq: progress past a gap restarts the clock for the next one.
    if (this.gapTimer !== undefined && this.gapTimerSeq === this.nextSeq) return;
    this.clearGapTimer();
    this.gapTimerSeq = this.nextSeq;
    this.gapTimer = setTimeout(() => {
      this.gapTimer = undefined;
      this.interrupt(`event ${this.nextSeq} did not arrive within ${this.opts.gapTimeoutMs} ms`);
    }, this.opts.gapTimeoutMs);
    this.gapTimer.unref();
  }

  private clearGapTimer(): void {
    clearTimeout(this.gapTimer);
    this.gapTimer = undefined;
    this.gapTimerSeq = -1;
  }

  private interrupt(reason: string): void {
    const error: ErrorEvent = {
      type: 'error',
      code: 'SY_STREAM_INTERRUPTED',
      message: `stream interrupted: ${reason}`,
      retryable: ERROR_CODES.SY_STREAM_INTERRUPTED.retryable,
      afterOutput: this.sawDelta,
    };
    this.deliver(error);
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pending.clear();
    this.clearGapTimer();
    for (let w = this.waiters.shift(); w; w = this.waiters.shift())
      w({ value: undefined, done: true });
    this.opts.onFinished();
  }
}
