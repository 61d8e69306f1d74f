import { randomUUID } from 'node:crypto';
import type { InferenceJob, KeySpace } from '@switchyard/contracts';
import { Worker } from 'bullmq';
import { Backoff } from './error-throttle';
import type { RedisClient } from './redis-connection';

/** How long one blocking fetch waits on an empty queue before room is checked again, seconds. */
const BLOCK_SECONDS = 1;
/** First and largest pause after an error in one model's loop; it doubles in between. */
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

export interface SharedPullerHooks {
  /** Whether the node can start one more request now. */
  hasRoom(): boolean;
  /** Starts a request taken from a shared queue (not awaited: the loop goes on pulling). */
  run(job: InferenceJob): void;
  onError(err: Error): void;
}

/**
 * Late binding: pulls requests from the shared queues of the models a node serves, one at a
 * time and only while the node has a free slot, so a queued request goes to whichever node
 * frees first. Each model queue has a BullMQ worker in manual mode; a taken job is completed
 * at once (the node owns it from then on: its reply channel and the gateway's failover cover
 * what happens next, as for jobs placed on the node directly).
 */
export class SharedPuller {
  private readonly loops = new Map<string, { worker: Worker<InferenceJob>; done: Promise<void> }>();
  private wakers: (() => void)[] = [];
  private readonly stopSignal = new AbortController();
  private stopped = false;

  constructor(
    private readonly connection: RedisClient,
    private readonly keys: KeySpace,
    private readonly hooks: SharedPullerHooks,
  ) {}

  /** Pulls for exactly these models from now on. */
  setModels(models: readonly string[]): void {
    if (this.stopped) return;
    for (const model of models) {
      if (this.loops.has(model)) continue;
      const worker = new Worker<InferenceJob>(this.keys.modelQueue(model), null, {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
        drainDelay: BLOCK_SECONDS,
        maxStalledCount: 0,
      });
      worker.on('error', (err) => this.hooks.onError(err));
      const entry = { worker, done: Promise.resolve() };
      // Registered before the loop starts: the loop runs while it is the model's entry.
      this.loops.set(model, entry);
      entry.done = this.loop(model, worker);
    }
    for (const [model, { worker }] of this.loops) {
      if (!models.includes(model)) {
        this.loops.delete(model);
        void worker.close(true).catch((err: unknown) => this.hooks.onError(toError(err)));
      }
    }
  }

  /** A slot freed (or the node resumed): loops waiting for room look again. */
  wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const w of wakers) w();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.wake();
    this.stopSignal.abort();
    const loops = [...this.loops.values()];
    this.loops.clear();
    await Promise.allSettled(loops.map((l) => l.worker.close(true)));
    await Promise.allSettled(loops.map((l) => l.done));
  }

  private async loop(model: string, worker: Worker<InferenceJob>): Promise<void> {
    const token = randomUUID();
    const backoff = new Backoff(BACKOFF_MIN_MS, BACKOFF_MAX_MS);
    while (!this.stopped && this.loops.get(model)?.worker === worker) {
      if (!this.hooks.hasRoom()) {
        await this.roomOrTimeout(BLOCK_SECONDS * 1000);
        continue;
      }
      try {
        // Not awaited past close(): with Redis down the fetch may never settle.
        const job = await this.untilStopped(worker.getNextJob(token, { block: true }));
        if (this.stopped) return;
        backoff.reset();
        if (!job) continue;
        if (this.stopped || !this.hooks.hasRoom()) {
          // Room went while the fetch was blocked: hand the job back for another node.
          await job.moveToWait(token);
          continue;
        }
        await job.moveToCompleted(undefined, token, false);
        this.hooks.run(job.data);
      } catch (err) {
        if (this.stopped) return;
        this.hooks.onError(toError(err));
        await this.sleep(backoff.next());
      }
    }
  }

  /** `promise`, or undefined as soon as the puller stops. */
  private untilStopped<T>(promise: Promise<T>): Promise<T | undefined> {
    const signal = this.stopSignal.signal;
    if (signal.aborted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      const onStop = (): void => resolve(undefined);
      signal.addEventListener('abort', onStop, { once: true });
      promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onStop));
    });
  }

  /** Sleeps `ms`, or less when the puller stops. */
  private sleep(ms: number): Promise<void> {
    return this.untilStopped(new Promise<void>((resolve) => setTimeout(resolve, ms).unref())).then(
      () => undefined,
    );
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
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
