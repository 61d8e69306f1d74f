import { isValidNodeId, type InferenceJob, type KeySpace } from '@switchyard/contracts';
import { Queue, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createRedis } from './redis-connection';
import { SharedPuller } from './shared-puller';

/** BullMQ's lowest priority; 1 is its highest, and 0 means "unprioritised" (runs before all others). */
export const BULLMQ_LOWEST_PRIORITY = 2_097_151;

const JOB_NAME = 'inference';
/** Extra time a processor gets to return after its signal is aborted at the end of the grace. */
const ABORT_WAIT_MS = 2000;

/**
 * Maps our priority (higher runs first, 0 = normal, integers up to 2 097 150) onto BullMQ's
 * scale (lower runs first): `BULLMQ_LOWEST_PRIORITY - p`. Every job gets an explicit BullMQ
 * priority, because BullMQ would run an unprioritised (0) job before any prioritised one.
 * Equal priorities run in enqueue order.
 */
export function toBullPriority(priority: number): number {
  const p = Number.isFinite(priority) ? Math.round(priority) : 0;
  return BULLMQ_LOWEST_PRIORITY - Math.min(Math.max(p, 0), BULLMQ_LOWEST_PRIORITY - 1);
}

function assertNodeId(nodeId: string): void {
  if (!isValidNodeId(nodeId)) throw new RangeError(`invalid node id: ${JSON.stringify(nodeId)}`);
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

export interface JobProducerOptions {
  /** Connection-level errors BullMQ reports outside any call (calls themselves reject). */
  onError?: (err: Error) => void;
}

export interface EnqueueOptions {
  /** Overrides `job.request.priority`; higher runs first. */
  priority?: number;
}

/**
 * Puts jobs on nodes' BullMQ queues (one queue per node). Uses the caller's connection,
 * which it does not close; queues are created on first use and closed by `close()`.
 */
export class JobProducer {
  private readonly queues = new Map<string, Queue<InferenceJob, void, string>>();
  private closed = false;

  constructor(
    private readonly connection: Redis,
    private readonly keys: KeySpace,
    private readonly opts: JobProducerOptions = {},
  ) {}

  /** Queues the job on the node; its BullMQ job id is the request id. */
  async enqueue(nodeId: string, job: InferenceJob, opts: EnqueueOptions = {}): Promise<void> {
    await this.add(this.queue(nodeId), job, opts);
  }

  /**
   * Queues the job on its model's shared queue, which every node serving the model pulls
   * from as its slots free (late binding: the first node with room takes it).
   */
  async enqueueShared(model: string, job: InferenceJob, opts: EnqueueOptions = {}): Promise<void> {
    await this.add(this.sharedQueue(model), job, opts);
  }

  /** Requests waiting in the model's shared queue. */
  async sharedDepth(model: string): Promise<number> {
    return this.sharedQueue(model).getJobCountByTypes('waiting', 'prioritized');
  }

  /** Removes a shared-queue job no node has taken yet; false when one has. */
  async removeShared(model: string, requestId: string): Promise<boolean> {
    return removeWaiting(this.sharedQueue(model), requestId);
  }

  private async add(
    queue: Queue<InferenceJob, void, string>,
    job: InferenceJob,
    opts: EnqueueOptions,
  ): Promise<void> {
    await queue.add(JOB_NAME, job, {
      jobId: job.request.id,
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: true,
      priority: toBullPriority(opts.priority ?? job.request.priority),
    });
  }

  /**
   * Removes a job that no worker has taken yet. False when it is running (locked), finished
   * or unknown. A job that is taken, run and finished all between the two round trips here
   * would also read as removed; generation takes far longer than that window.
   */
  async remove(nodeId: string, requestId: string): Promise<boolean> {
    return removeWaiting(this.queue(nodeId), requestId);
  }

  /** Deletes the node's queue and every job in it, running ones included. */
  async obliterateQueue(nodeId: string): Promise<void> {
    const queue = this.queue(nodeId);
    this.queues.delete(this.keys.nodeQueue(nodeId));
    try {
      await queue.obliterate({ force: true });
    } finally {
      await queue.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }

  private queue(nodeId: string): Queue<InferenceJob, void, string> {
    assertNodeId(nodeId);
    return this.named(this.keys.nodeQueue(nodeId));
  }

  private sharedQueue(model: string): Queue<InferenceJob, void, string> {
    return this.named(this.keys.modelQueue(model));
  }

  private named(name: string): Queue<InferenceJob, void, string> {
    if (this.closed) throw new Error('JobProducer is closed');
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<InferenceJob, void, string>(name, {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
      });
      // Without a listener an EventEmitter 'error' would throw out of BullMQ's connection handler.
      queue.on('error', (err) => this.opts.onError?.(err));
      this.queues.set(name, queue);
    }
    return queue;
  }
}

/**
 * Removes a job that no worker has taken yet. False when it is running (locked), finished
 * or unknown.
 */
async function removeWaiting(
  queue: Queue<InferenceJob, void, string>,
  requestId: string,
): Promise<boolean> {
  const state = await queue.getJobState(requestId);
  if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
  return (await queue.remove(requestId)) === 1;
}

/** A URL (the consumer opens its own connection) or a factory whose connection the consumer then owns. */
export type RedisSource = string | (() => Redis);

/**
 * Runs one job. The signal aborts on `cancel(requestId)` or at the end of `close()`'s grace;
 * the processor should then stop the engine call and return. A rejection fails the job
 * (and removes it); publishing a terminal event for it is the processor's job.
 */
export type JobProcessor = (job: InferenceJob, signal: AbortSignal) => Promise<void>;

export interface NodeJobConsumerOptions {
  /** The node's slot count: at most this many jobs run at once, and none are taken beyond it. */
  concurrency: number;
  /** How long a job stays locked without renewal (BullMQ default 30 s). */
  lockDurationMs?: number;
  /** Errors BullMQ reports outside a job (connection, lock renewal). */
  onError?: (err: Error) => void;
}

/** Takes one node's jobs, up to `concurrency` at a time. */
export class NodeJobConsumer {
  private readonly connection: Redis;
  private readonly worker: Worker<InferenceJob, void, string>;
  private readonly running = new Map<string, AbortController>();
  private countsQueue: Queue<InferenceJob, void, string> | undefined;
  private closing: Promise<void> | undefined;
  private paused = false;
  private puller: SharedPuller | undefined;
  /** Requests taken from shared queues, still running. */
  private readonly sharedRuns = new Set<Promise<void>>();

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
    this.connection =
      typeof source === 'string'
        ? createRedis(source, { name: `sy-worker-${nodeId}`, forBullmq: true })
        : source();
    this.connection.on('error', this.reportError);
    this.worker = new Worker<InferenceJob, void, string>(keys.nodeQueue(nodeId), this.process, {
      connection: this.connection,
      prefix: keys.bullPrefix,
      concurrency: opts.concurrency,
      lockDuration: opts.lockDurationMs ?? 30_000,
      // A job whose worker died is failed, never re-run here later: by then the gateway has
      // placed it elsewhere or told the client.
      maxStalledCount: 0,
    });
    this.worker.on('error', this.reportError);
  }

  /**
   * Also takes requests from these models' shared queues whenever a slot is free (late
   * binding). Call again when the node's models change; an empty list stops pulling.
   */
  pullShared(models: readonly string[]): void {
    if (this.closing) return;
    this.puller ??= new SharedPuller(this.connection, this.keys, {
      hasRoom: () => !this.paused && !this.closing && this.running.size < this.opts.concurrency,
      run: (job) => this.runShared(job),
      onError: this.reportError,
    });
    this.puller.setModels(models);
  }

  /** Jobs this consumer is running now. */
  active(): number {
    return this.running.size;
  }

  /** Jobs queued on this node that no worker has taken yet. */
  async waiting(): Promise<number> {
    if (!this.countsQueue) {
      this.countsQueue = new Queue<InferenceJob, void, string>(this.keys.nodeQueue(this.nodeId), {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
      });
      this.countsQueue.on('error', this.reportError);
    }
    return this.countsQueue.getJobCountByTypes('waiting', 'prioritized');
  }

  /** Aborts the signal of a running job; false when this consumer is not running it. */
  cancel(requestId: string, reason?: unknown): boolean {
    const controller = this.running.get(requestId);
    if (!controller) return false;
    controller.abort(reason ?? new Error('cancelled'));
    return true;
  }

  /** Stops taking jobs (a job fetched at that moment goes back to the queue); running ones continue. */
  async pause(): Promise<void> {
    this.paused = true;
    await this.worker.pause(true);
  }

  resume(): void {
    this.paused = false;
    this.worker.resume();
    this.puller?.wake();
  }

  /**
   * Stops taking jobs and waits up to `graceMs` for running ones; then aborts their signals
   * and waits a little more. Closes the connection it opened (or got from the factory).
   */
  close(graceMs = 0): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    await this.puller?.close();
    const workerClosed = Promise.all([
      this.worker.close().catch(this.reportError),
      Promise.allSettled([...this.sharedRuns]),
    ]);
    if (!(await settlesWithin(workerClosed, graceMs))) {
      const reason = new Error('consumer closing: grace period over');
      for (const c of this.running.values()) c.abort(reason);
      if (!(await settlesWithin(workerClosed, ABORT_WAIT_MS))) {
        this.reportError(
          new Error(`${this.running.size} job(s) ignored abort; closing without them`),
        );
      }
    }
    await this.countsQueue?.close().catch(this.reportError);
    await this.connection.quit().catch(() => this.connection.disconnect());
  }

  private readonly process = async (
    job: Job<InferenceJob, void, string>,
    token?: string,
  ): Promise<void> => {
    if (this.paused && token !== undefined) {
      // BullMQ's pause leaves a blocking fetch in flight that can still take a job: hand it back.
      await job.moveToWait(token);
      throw new WaitingError();
    }
    const id = job.id ?? job.data.request.id;
    const controller = new AbortController();
    this.running.set(id, controller);
    try {
      await this.processor(job.data, controller.signal);
    } finally {
      this.running.delete(id);
      this.puller?.wake();
    }
  };

  private runShared(job: InferenceJob): void {
    const id = job.request.id;
    const controller = new AbortController();
    this.running.set(id, controller);
    const run = this.processor(job, controller.signal)
      .catch(this.reportError)
      .finally(() => {
        this.running.delete(id);
        this.sharedRuns.delete(run);
        this.puller?.wake();
      });
    this.sharedRuns.add(run);
  }

  private readonly reportError = (err: unknown): void => {
    this.opts.onError?.(toError(err));
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
