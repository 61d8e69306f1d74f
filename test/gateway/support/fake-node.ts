/*
 * A scripted stand-in for a worker-agent and its engine. It talks to the gateway only through
 * the public worker-side API of @switchyard/cluster (registry heartbeats, the node's job
 * consumer and shared-queue pulling, reply publishing, cancel listening, reservations held
 * for pulled jobs), and every one of those classes is constructed in this file: when the
 * dispatch transport changes, this is the one test file that follows it.
 */
import {
  CancelListener,
  NodeJobConsumer,
  RegistryRepository,
  ReplyOutbox,
  ReservationStore,
  createRedis,
  isCancelled,
} from '@switchyard/cluster';
import {
  keySpace,
  type InferenceJob,
  type KeySpace,
  type NodeCapabilities,
  type NodeLoad,
  type StreamEvent,
} from '@switchyard/contracts';
import { makeNodeSnapshot } from '@switchyard/testing';
import type { RedisClient } from '@switchyard/cluster';
import { answer, failure, type Script } from './scripts';

/** Where the fake node finds the cluster: the gateway's Redis and key prefix. */
export interface FakeClusterEnv {
  redisUrl: string;
  keyPrefix: string;
  /** The gateway's `staleAfterMs`; the node's alive key lives this long after a heartbeat. */
  staleAfterMs: number;
}

export interface FakeNodeOptions {
  id: string;
  models: readonly string[];
  /** Slots, as registered and as the consumer's concurrency (default 1). */
  slots?: number;
  /**
   * Load figures reported on top of the node's own running/waiting counts. KV-cache use
   * defaults to 0; a higher value makes placement prefer other nodes (order nodes with it).
   */
  load?: Partial<NodeLoad>;
  /** Also take requests from the models' shared queues when a slot is free (default false). */
  pullShared?: boolean;
  /** What the node's engine serves, as a worker learns it (default: unknown). */
  capabilities?: NodeCapabilities;
  /** Take jobs from the node's queue from the start (default true); see `startTaking`. */
  taking?: boolean;
  /** What every job runs until `use()` changes it (default: answer "ok"). */
  script?: Script;
  heartbeatMs?: number;
  /** Advertise an engine that continues a cut-short assistant message (default false). */
  continuesChat?: boolean;
}

/** A job as the node took it (from its own queue or a shared one). */
export interface ReceivedJob {
  requestId: string;
  /** Taken from the model's shared queue rather than the node's own. */
  shared: boolean;
  job: InferenceJob;
}

const HEARTBEAT_MS = 100;

export class FakeNode {
  /** Jobs the node took, in order. */
  readonly jobs: ReceivedJob[] = [];
  /** Request ids the gateway sent cancels for, in order. */
  readonly cancels: string[] = [];

  private readonly keys: KeySpace;
  private readonly redis: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly registry: RegistryRepository;
  private readonly outbox: ReplyOutbox;
  private readonly reservations: ReservationStore;
  private readonly consumer: NodeJobConsumer;
  private readonly cancelListener: CancelListener;
  private readonly slots: number;
  private readonly startedAt = Date.now();
  private script: Script;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private heartbeating: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly env: FakeClusterEnv,
    private readonly opts: FakeNodeOptions,
  ) {
    this.keys = keySpace(env.keyPrefix);
    this.slots = opts.slots ?? 1;
    this.script = opts.script ?? answer('ok');
    this.redis = createRedis(env.redisUrl, { name: `fake-${opts.id}:commands` });
    this.subscriber = createRedis(env.redisUrl, {
      name: `fake-${opts.id}:cancels`,
      subscriber: true,
    });
    this.registry = new RegistryRepository(this.redis, this.keys, { aliveTtlMs: env.staleAfterMs });
    this.outbox = new ReplyOutbox(this.redis);
    this.reservations = new ReservationStore(this.redis, this.keys);
    this.consumer = new NodeJobConsumer(
      env.redisUrl,
      this.keys,
      opts.id,
      { concurrency: this.slots },
      this.run,
    );
    this.cancelListener = new CancelListener(this.subscriber, this.keys, opts.id, (id) => {
      this.cancels.push(id);
      this.consumer.cancel(id);
    });
  }

  /** Registers the node (ready), starts heartbeating, listening for cancels and taking jobs. */
  static async start(env: FakeClusterEnv, opts: FakeNodeOptions): Promise<FakeNode> {
    const node = new FakeNode(env, opts);
    if (opts.taking === false) await node.consumer.pause();
    await node.cancelListener.start();
    if (opts.pullShared === true) node.consumer.pullShared(opts.models);
    await node.heartbeat();
    node.heartbeatTimer = setInterval(() => {
      node.heartbeating = node.heartbeat().catch(() => undefined);
    }, opts.heartbeatMs ?? HEARTBEAT_MS);
    return node;
  }

  get id(): string {
    return this.opts.id;
  }

  /** The script every job taken from now on runs. */
  use(script: Script): void {
    this.script = script;
  }

  /** Starts taking jobs from the node's queue (after `taking: false`). */
  startTaking(): void {
    this.consumer.resume();
  }

  /** Jobs waiting in the node's own queue, not taken yet. */
  waiting(): Promise<number> {
    return this.consumer.waiting();
  }

  /** Request ids of the jobs taken, in order. */
  requestIds(): string[] {
    return this.jobs.map((j) => j.requestId);
  }

  /**
   * The node stops heartbeating, as a hung or unreachable process does: its running jobs
   * keep running (a hanging script keeps hanging) and nothing says it left.
   */
  async stopHeartbeating(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    await this.heartbeating;
  }

  /** Stops everything: aborts running jobs, deregisters (if still heartbeating), disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const wasAlive = this.heartbeatTimer !== undefined;
    await this.stopHeartbeating();
    this.outbox.close();
    await this.consumer.close(0);
    await this.cancelListener.close();
    if (wasAlive) await this.registry.deregister(this.id).catch(() => undefined);
    await Promise.all(
      [this.redis, this.subscriber].map((c) => c.quit().catch(() => c.disconnect())),
    );
  }

  private async heartbeat(): Promise<void> {
    const running = this.consumer.active();
    const waiting = await this.consumer.waiting();
    const snapshot = makeNodeSnapshot(this.id, {
      models: [...this.opts.models],
      slots: this.slots,
      startedAt: this.startedAt,
    });
    if (this.opts.continuesChat === true) snapshot.info.continuesChat = true;
    if (this.opts.capabilities) snapshot.info.capabilities = this.opts.capabilities;
    snapshot.load = {
      ...snapshot.load,
      kvCacheUsage: 0,
      ...this.opts.load,
      running,
      waiting,
      slotsFree: Math.max(0, this.slots - running),
    };
    await this.registry.heartbeat(snapshot);
  }

  /** The job processor: what apps/worker-agent/src/jobs/job-runner.ts does, with a script for the engine. */
  private readonly run = async (job: InferenceJob, signal: AbortSignal): Promise<void> => {
    const requestId = job.request.id;
    this.jobs.push({ requestId, shared: job.shared === true, job });
    // A node that pulled a shared job holds its own reservation for it while it runs.
    if (job.shared === true) await this.reservations.hold(this.id, requestId);
    try {
      await this.execute(job, signal);
    } finally {
      if (job.shared === true) await this.reservations.release(this.id, requestId);
    }
  };

  private async execute(job: InferenceJob, signal: AbortSignal): Promise<void> {
    const { request } = job;
    let seq = 0;
    let ended = false;
    const emit = async (event: StreamEvent): Promise<void> => {
      if (ended) throw new Error(`script emitted ${event.type} after the terminal event`);
      if (event.type === 'done' || event.type === 'error') ended = true;
      // The worker's own publisher; `now`: each event leaves before the script goes on.
      await this.outbox.send(job.replyTo, { requestId: request.id, seq: seq++, event }, 'now');
    };
    if (Date.now() > job.deadline) {
      await emit(failure('SY_OVERLOADED', 'The request waited too long for a slot.'));
      return;
    }
    if (await isCancelled(this.redis, this.keys, request.id)) return;
    await emit({
      type: 'start',
      nodeId: this.id,
      model: request.model,
      created: Math.floor(Date.now() / 1000),
    });
    await this.script({ job, signal, emit });
    if (!ended) await emit(failure('SY_CANCELLED', 'The request was cancelled.'));
  }
}
