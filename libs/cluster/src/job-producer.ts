import { isValidNodeId, type InferenceJob, type KeySpace } from '@switchyard/contracts';
import { Queue } from 'bullmq';
import type { RedisClient } from './redis-connection';
import { DISPATCH_SCRIPT, WITHDRAW_SCRIPT, encodeNodeJob, nodeJobScore } from './node-jobs';
import { RedisScript } from './redis-script';
import { DEFAULT_RESERVATION_TTL_MS } from './reservations';

/** BullMQ's lowest priority; 1 is its highest, and 0 means "unprioritised" (runs before all others). */
export const BULLMQ_LOWEST_PRIORITY = 2_097_151;

export const JOB_NAME = 'inference';

const dispatchScript = new RedisScript(DISPATCH_SCRIPT, 2);
const withdrawScript = new RedisScript(WITHDRAW_SCRIPT, 2);

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

export function assertNodeId(nodeId: string): void {
  if (!isValidNodeId(nodeId)) throw new RangeError(`invalid node id: ${JSON.stringify(nodeId)}`);
}

export interface JobProducerOptions {
  /** Connection-level errors BullMQ reports outside any call (calls themselves reject). */
  onError?: (err: Error) => void;
  /** How long a reservation outlives a holder that never releases it. */
  reservationTtlMs?: number;
}

export interface EnqueueOptions {
  /** Overrides `job.request.priority`; higher runs first. */
  priority?: number;
}

/** A job handed to one node: what withdrawing it needs. */
export interface DispatchTicket {
  readonly nodeId: string;
  readonly requestId: string;
  /** The job exactly as queued (the queue's member). */
  readonly member: string;
}

export type DispatchResult =
  { granted: true; ticket: DispatchTicket; held: number } | { granted: false; held: number };

/**
 * The gateway's side of both job paths. Direct: `dispatch` claims a slot in the node's
 * cluster-wide reservations and queues the job for it in one round trip. Shared: BullMQ
 * queues per model, where durability and priorities earn their cost, pulled by whichever
 * node frees a slot first. Uses the caller's connection, which it does not close.
 */
export class JobProducer {
  private readonly queues = new Map<string, Queue<InferenceJob, void, string>>();
  private readonly ttlMs: number;
  private closed = false;

  constructor(
    private readonly connection: RedisClient,
    private readonly keys: KeySpace,
    private readonly opts: JobProducerOptions = {},
  ) {
    this.ttlMs = opts.reservationTtlMs ?? DEFAULT_RESERVATION_TTL_MS;
  }

  /**
   * Claims one of the node's `limit` reservations for the job and queues it there, in one
   * atomic script; refused (nothing written) when `limit` are held already. `held` is the
   * node's live reservation count after the call.
   */
  async dispatch(
    nodeId: string,
    job: InferenceJob,
    limit: number,
    opts: EnqueueOptions = {},
  ): Promise<DispatchResult> {
    assertNodeId(nodeId);
    const now = Date.now();
    const member = encodeNodeJob(job);
    const reply = (await dispatchScript.run(
      this.connection,
      [this.keys.reservations(nodeId), this.keys.nodeJobs(nodeId)],
      [
        job.request.id,
        now,
        this.ttlMs,
        Number.isFinite(limit) ? Math.max(0, Math.floor(limit)) : Number.MAX_SAFE_INTEGER,
        nodeJobScore(opts.priority ?? job.request.priority, now),
        member,
      ],
    )) as [number, number];
    const [granted, held] = reply;
    if (granted !== 1) return { granted: false, held };
    return { granted: true, held, ticket: { nodeId, requestId: job.request.id, member } };
  }

  /** Queues the job on the node whatever its reservations say (tests, tools). */
  async enqueue(
    nodeId: string,
    job: InferenceJob,
    opts: EnqueueOptions = {},
  ): Promise<DispatchTicket> {
    const result = await this.dispatch(nodeId, job, Number.POSITIVE_INFINITY, opts);
    if (!result.granted) throw new Error('unlimited dispatch refused');
    return result.ticket;
  }

  /** Takes back a dispatched job no node has taken yet, with its reservation; false when one has. */
  async withdraw(ticket: DispatchTicket): Promise<boolean> {
    const { nodeId, requestId, member } = ticket;
    const removed = await withdrawScript.run(
      this.connection,
      [this.keys.reservations(nodeId), this.keys.nodeJobs(nodeId)],
      [requestId, member],
    );
    return removed === 1;
  }

  /** The request left the node (ended or failed): its slot is free for every gateway. */
  async release(nodeId: string, requestId: string): Promise<void> {
    await this.connection.zrem(this.keys.reservations(nodeId), requestId);
  }

  /**
   * Queues the job on its model's shared queue, which every node serving the model pulls
   * from as its slots free (late binding: the first node with room takes it).
   */
  async enqueueShared(model: string, job: InferenceJob, opts: EnqueueOptions = {}): Promise<void> {
    await this.sharedQueue(model).add(JOB_NAME, job, {
      jobId: job.request.id,
      attempts: 1,
      removeOnComplete: true,
      removeOnFail: true,
      priority: toBullPriority(opts.priority ?? job.request.priority),
    });
  }

  /** Requests waiting in the model's shared queue. */
  async sharedDepth(model: string): Promise<number> {
    return this.sharedQueue(model).getJobCountByTypes('waiting', 'prioritized');
  }

  /**
   * Removes a shared-queue job no node has taken yet; false when one has (or it is unknown).
   * A job taken, run and finished all between the two round trips here would also read as
   * removed; generation takes far longer than that window.
   */
  async removeShared(model: string, requestId: string): Promise<boolean> {
    const queue = this.sharedQueue(model);
    const state = await queue.getJobState(requestId);
    if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
    return (await queue.remove(requestId)) === 1;
  }

  async close(): Promise<void> {
    this.closed = true;
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }

  private sharedQueue(model: string): Queue<InferenceJob, void, string> {
    if (this.closed) throw new Error('JobProducer is closed');
    const name = this.keys.modelQueue(model);
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
