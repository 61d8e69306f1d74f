import type { InferenceJob, KeySpace } from '@switchyard/contracts';
import { Backoff, ErrorThrottle } from './error-throttle';
import { assertNodeId } from './job-producer';
import { decodeNodeJob } from './node-jobs';
import { closeRedis, createRedis, duplicateRedis, type RedisClient } from './redis-connection';
import { SharedPuller } from './shared-puller';

/** Extra time a processor gets to return after its signal is aborted at the end of the grace. */
const ABORT_WAIT_MS = 2000;
/** How long one blocking pop waits on an empty queue before looking at its state again, seconds. */
const POP_BLOCK_SECONDS = 1;
/** First and largest pause after a Redis error in the pop loop; it doubles in between. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;
/** How often lapsed reservations (of gateways that died holding them) are swept. */
const SWEEP_INTERVAL_MS = 30_000;
/** Cancels for requests not running here, remembered for a job popped just after (ms, count). */
const CANCEL_MEMORY_MS = 60_000;
const CANCEL_MEMORY_MAX = 10_000;

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** A URL (the consumer opens its own connection) or a factory whose connection the consumer then owns. */
export type RedisSource = string | (() => RedisClient);

/** The abort reason of jobs still running when `close()`'s grace ran out. */
export class ShutdownGraceOver extends Error {
  constructor() {
    super('consumer closing: grace period over');
    this.name = 'ShutdownGraceOver';
  }
}

/**
 * Runs one job. The signal aborts on `cancel(requestId)` or at the end of `close()`'s grace;
 * the processor should then stop the engine call and return. Publishing a terminal event
 * for the job is the processor's job; a rejection is reported through `onError`.
 */
export type JobProcessor = (job: InferenceJob, signal: AbortSignal) => Promise<void>;

export interface NodeJobConsumerOptions {
  /** The node's slot count: at most this many jobs run at once, and none are taken beyond it. */
  concurrency: number;
  /**
   * Errors outside a job (connection, a malformed job), each distinct message at most once
   * per `errorLogIntervalMs` (default 5 s) with the count held back since.
   */
  onError?: (err: Error, suppressed: number) => void;
  errorLogIntervalMs?: number;
}

/**
 * Takes one node's jobs, up to `concurrency` at a time: those dispatched to the node (popped
 * atomically from its queue, one Redis command each) and, with `pullShared`, those waiting in
 * its models' shared queues whenever a slot is free.
 */
export class NodeJobConsumer {
  private readonly connection: RedisClient;
  /** A connection of its own for the blocking pop, which would stall every other command. */
  private readonly blocking: RedisClient;
  private readonly errors: ErrorThrottle;
  private readonly backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
  private readonly queueKey: string;
  private readonly running = new Map<string, AbortController>();
  private readonly runs = new Set<Promise<void>>();
  private readonly cancelled = new Map<string, number>();
  private readonly popping: Promise<void>;
  private closing: Promise<void> | undefined;
  private readonly closeSignal = new AbortController();
  private paused = false;
  private puller: SharedPuller | undefined;
  private wakers: (() => void)[] = [];
  private lastSweep = 0;
  private batchPop = true;

  constructor(
    source: RedisSource,
    private readonly keys: KeySpace,
    readonly nodeId: string,
    private readonly opts: NodeJobConsumerOptions,
    private readonly processor: JobProcessor,
  ) {
    assertNodeId(nodeId);
    if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    this.errors = new ErrorThrottle(
      (err, suppressed) => opts.onError?.(err, suppressed),
      opts.errorLogIntervalMs,
    );
    this.connection =
      typeof source === 'string'
        ? createRedis(source, { name: `sy-worker-${nodeId}`, forBullmq: true })
        : source();
    this.blocking = duplicateRedis(this.connection, `sy-worker-${nodeId}-pop`);
    for (const c of [this.connection, this.blocking]) c.on('error', this.reportError);
    this.queueKey = keys.nodeJobs(nodeId);
    this.popping = this.popLoop();
  }

  /**
   * Also takes requests from these models' shared queues whenever a slot is free (late
   * binding). Call again when the node's models change; an empty list stops pulling.
   */
  pullShared(models: readonly string[]): void {
    if (this.closing) return;
    this.puller ??= new SharedPuller(this.connection, this.keys, {
      hasRoom: () => this.hasRoom(),
      run: (job) => this.run(job),
      onError: this.reportError,
    });
    this.puller.setModels(models);
  }

  /**
   * Changes how many jobs run at once (a node whose slot count is learned while it runs). Fewer
   * than are running lets them finish; more wakes the pop loop and the shared puller.
   */
  setConcurrency(concurrency: number): void {
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError('concurrency must be a positive integer');
    }
    const grew = concurrency > this.opts.concurrency;
    this.opts.concurrency = concurrency;
    if (grew) this.wake();
  }

  /** Jobs this consumer is running now. */
  active(): number {
    return this.running.size;
  }

  /** Jobs dispatched to this node that it has not taken yet. */
  async waiting(): Promise<number> {
    return this.connection.zcard(this.queueKey);
  }

  /**
   * Aborts the signal of a running job and returns true; otherwise remembers the cancel for
   * a minute, so a job popped just before its cancel was handled never starts, and returns false.
   */
  cancel(requestId: string, reason?: unknown): boolean {
    const controller = this.running.get(requestId);
    if (controller) {
      controller.abort(reason ?? new Error('cancelled'));
      return true;
    }
    if (this.cancelled.size >= CANCEL_MEMORY_MAX) {
      const oldest = this.cancelled.keys().next();
      if (!oldest.done) this.cancelled.delete(oldest.value);
    }
    this.cancelled.set(requestId, Date.now() + CANCEL_MEMORY_MS);
    return false;
  }

  /** Stops taking jobs (one popped at that moment goes back to its place); running ones continue. */
  async pause(): Promise<void> {
    this.paused = true;
    await Promise.resolve();
  }

  resume(): void {
    this.paused = false;
    this.wake();
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for running ones; then aborts their signals
   * and waits a little more. Closes the connection it opened (or got from the factory).
   */
  close(graceMs = 0): Promise<void> {
    this.closeSignal.abort();
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private hasRoom(): boolean {
    return !this.paused && !this.closing && this.running.size < this.opts.concurrency;
  }

  private async doClose(graceMs: number): Promise<void> {
    this.wake();
    this.blocking.disconnect();
    await this.puller?.close();
    await this.popping;
    const finished = Promise.allSettled([...this.runs]);
    if (!(await settlesWithin(finished, graceMs))) {
      const reason = new ShutdownGraceOver();
      for (const c of this.running.values()) c.abort(reason);
      if (!(await settlesWithin(finished, ABORT_WAIT_MS))) {
        this.reportError(
          new Error(`${this.running.size} job(s) ignored abort; closing without them`),
        );
      }
    }
    await closeRedis(this.connection);
  }

  private async popLoop(): Promise<void> {
    while (!this.closing) {
      if (!this.hasRoom()) {
        await this.roomOrTimeout(POP_BLOCK_SECONDS * 1000);
        continue;
      }
      try {
        this.sweepLapsed();
        // While Redis is down the pop waits in the offline queue, and ioredis's disconnect of a
        // reconnecting client never settles it: closing must not wait for it.
        const popped = await this.untilClosed(
          this.pop(this.opts.concurrency - this.running.size),
          [],
        );
        if (this.closing) return;
        this.backoff.reset();
        for (const { member, score } of popped) {
          // Paused or closing while the pop was blocked: the job goes back where it was.
          if (!this.hasRoom()) await this.connection.zadd(this.queueKey, score, member);
          else this.runEncoded(member);
        }
      } catch (err) {
        if (this.closing) return;
        this.reportError(err);
        // A finished job does not cut this pause short: a failing Redis is not retried faster.
        await this.sleep(this.backoff.next());
      }
    }
  }

  /**
   * Waits up to POP_BLOCK_SECONDS for jobs and takes up to `room` of them in one command
   * (BZMPOP, Redis 7): under load one round trip hands over a batch. Redis 6.2 has only
   * BZPOPMIN, one job per round trip; the first refusal switches to it for good.
   */
  private async pop(room: number): Promise<{ member: string; score: string }[]> {
    if (this.batchPop) {
      try {
        const reply = (await this.blocking.call(
          'BZMPOP',
          POP_BLOCK_SECONDS,
          1,
          this.queueKey,
          'MIN',
          'COUNT',
          Math.max(1, room),
        )) as [string, [string, string][]] | null;
        return (reply?.[1] ?? []).map(([member, score]) => ({ member, score }));
      } catch (err) {
        if (!(err instanceof Error) || !/unknown command/i.test(err.message)) throw err;
        this.batchPop = false;
      }
    }
    const reply = await this.blocking.bzpopmin(this.queueKey, POP_BLOCK_SECONDS);
    return reply ? [{ member: reply[1], score: reply[2] }] : [];
  }

  private runEncoded(member: string): void {
    try {
      this.run(decodeNodeJob(member));
    } catch (err) {
      this.reportError(err); // nobody can answer a job without a request id or reply channel
    }
  }

  /** Starts a job taken from either queue (not awaited: the loops go on taking). */
  private run(job: InferenceJob): void {
    const id = job.request.id;
    const cancelledUntil = this.cancelled.get(id);
    if (cancelledUntil !== undefined) {
      this.cancelled.delete(id);
      if (cancelledUntil > Date.now()) return;
    }
    const controller = new AbortController();
    this.running.set(id, controller);
    const run = this.processor(job, controller.signal)
      .catch(this.reportError)
      .finally(() => {
        this.running.delete(id);
        this.runs.delete(run);
        this.wake();
      });
    this.runs.add(run);
  }

  /** Drops reservations whose holder never released them, now and then, off the hot path. */
  private sweepLapsed(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = now;
    for (const [id, until] of this.cancelled) if (until <= now) this.cancelled.delete(id);
    this.connection
      .zremrangebyscore(this.keys.reservations(this.nodeId), '-inf', now)
      .catch(this.reportError);
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
    this.puller?.wake();
  }

  private roomOrTimeout(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakers.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** `promise`, or `whenClosed` as soon as the consumer closes. */
  private untilClosed<T>(promise: Promise<T>, whenClosed: T): Promise<T> {
    const signal = this.closeSignal.signal;
    if (signal.aborted) return Promise.resolve(whenClosed);
    return new Promise<T>((resolve, reject) => {
      const onClose = (): void => resolve(whenClosed);
      signal.addEventListener('abort', onClose, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onClose));
    });
  }

  /** Sleeps `ms`, or less when the consumer closes. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.closeSignal.signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.closeSignal.signal.addEventListener('abort', done);
    });
  }

  private readonly reportError = (err: unknown): void => {
    this.errors.report(toError(err));
  };
}

/** Whether `promise` settles within `ms`; the timer never outlives the wait. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
