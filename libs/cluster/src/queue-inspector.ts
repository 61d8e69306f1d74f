import type { InferenceJob, KeySpace } from '@switchyard/contracts';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** How many waiting jobs of one model are read to group them; the total is always exact. */
const SAMPLE_LIMIT = 2000;

/** What waits in one model's shared queue. */
export interface SharedQueueSummary {
  /** Requests waiting for a node (exact). */
  depth: number;
  /** Waiting requests per priority class (0 … 9), of those read. */
  byPriorityClass: Record<string, number>;
  /** How long the longest-waiting request read has waited, ms; null when none waits. */
  oldestWaitMs: number | null;
  /** False when more jobs wait than were read (`SAMPLE_LIMIT`): the groups cover a part. */
  complete: boolean;
}

/**
 * Read-only view of the models' shared (overflow) queues, for operators: depth, priority
 * classes and the oldest wait. Off the hot path; uses the caller's connection, which it does
 * not close.
 */
export class QueueInspector {
  private readonly queues = new Map<string, Queue<InferenceJob>>();

  constructor(
    private readonly connection: Redis,
    private readonly keys: KeySpace,
  ) {}

  async summary(model: string, now = Date.now()): Promise<SharedQueueSummary> {
    const queue = this.queue(model);
    const [depth, jobs] = await Promise.all([
      queue.getJobCountByTypes('waiting', 'prioritized'),
      queue.getJobs(['prioritized', 'waiting'], 0, SAMPLE_LIMIT - 1),
    ]);
    const byPriorityClass: Record<string, number> = {};
    let oldest: number | null = null;
    for (const job of jobs) {
      // A job may finish between the two reads; BullMQ then hands back an empty slot.
      if (!job?.data?.request) continue;
      const cls = String(job.data.request.priority);
      byPriorityClass[cls] = (byPriorityClass[cls] ?? 0) + 1;
      const since = job.data.enqueuedAt ?? job.timestamp;
      oldest = oldest === null ? since : Math.min(oldest, since);
    }
    return {
      depth,
      byPriorityClass,
      oldestWaitMs: oldest === null ? null : Math.max(0, now - oldest),
      complete: jobs.length >= depth,
    };
  }

  async close(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }

  private queue(model: string): Queue<InferenceJob> {
    const name = this.keys.modelQueue(model);
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<InferenceJob>(name, {
        connection: this.connection,
        prefix: this.keys.bullPrefix,
      });
      queue.on('error', () => undefined); // calls reject on their own; nothing to add here
      this.queues.set(name, queue);
    }
    return queue;
  }
}
