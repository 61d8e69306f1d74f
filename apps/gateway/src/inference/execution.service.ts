import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { nextTenantTurn } from '@switchyard/cluster';
import {
  SwitchyardError,
  errorMessage,
  type ErrorCode,
  type ErrorEvent,
  type InferenceJob,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import type { NodeOutcome } from '@switchyard/scheduling';
import type { GatewayConfig } from '@switchyard/config';
import { ClusterService } from '../cluster/cluster.service';
import { GATEWAY_CONFIG, GATEWAY_METRICS_SET } from '../gateway.tokens';
import type { GatewayMetrics } from '../gateway-metrics';
import { queuePriority } from './admission-policy';
import { SchedulerService, type Placement } from './scheduler.service';

/** Where the request ran, for response headers; filled in as the execution progresses. */
export interface ExecutionInfo {
  nodeId?: string;
  /** Time from enqueue to the node starting the request. */
  queueMs?: number;
  attempts: number;
  /** The placement explanation, when the client asked for it (`x-switchyard-explain`). */
  explain?: string;
}

/** Failures before any output that another node may well not have. */
const RETRY_ELSEWHERE: ReadonlySet<ErrorCode> = new Set([
  'SY_ENGINE_UNAVAILABLE',
  'SY_ENGINE_ERROR',
  'SY_STREAM_INTERRUPTED',
]);
const MAX_ATTEMPTS = 3;
/** Cancel channel for a queued request whose node is unknown: only the cancelled mark matters. */
const NO_NODE = 'unknown';

/** What an error says about the node that produced it: a refused request is not the node's fault. */
function nodeOutcome(e: ErrorEvent): NodeOutcome {
  if (e.code === 'SY_ENGINE_REJECTED' || e.code === 'SY_BAD_REQUEST') return 'client-error';
  if (e.code === 'SY_CANCELLED' || e.code === 'SY_OVERLOADED') return 'ok';
  return 'node-error';
}

/**
 * Runs one request on the cluster: reserve a node, enqueue, and yield its events in order.
 * A node that fails or leaves before the first token is replaced by another; after the first
 * token the failure ends the stream. When the client goes away the job is removed or cancelled.
 */
@Injectable()
export class ExecutionService implements OnModuleInit {
  private readonly log = new Logger(ExecutionService.name);
  /** Attempt ids running on each node, so a node's death reaches its requests at once. */
  private readonly byNode = new Map<string, Set<string>>();
  /** Attempts that received an event made here rather than by their node. */
  private readonly injected = new Set<string>();

  constructor(
    private readonly cluster: ClusterService,
    private readonly scheduler: SchedulerService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_METRICS_SET) private readonly metrics: GatewayMetrics,
  ) {}

  onModuleInit(): void {
    this.cluster.view.on('nodeDown', (nodeId: string, reason: string) => {
      for (const attemptId of this.byNode.get(nodeId) ?? []) {
        this.inject(
          attemptId,
          interrupted(
            `the node serving this request ${reason === 'left' ? 'left' : 'stopped answering'}`,
          ),
        );
      }
    });
  }

  async *run(
    req: InferenceRequest,
    client: AbortSignal,
    info: ExecutionInfo,
  ): AsyncGenerator<StreamEvent> {
    const excluded = new Set<string>();
    let output = false;
    let failed: ErrorEvent | undefined;
    for (let attempt = 0; ; attempt++) {
      const placement = failed
        ? await this.placeAnother(req, excluded)
        : await this.scheduler.place(req, excluded);
      if (!placement) {
        // No other node to try: the client learns what went wrong, not that the fleet is small.
        yield failed!;
        return;
      }
      info.attempts = attempt + 1;
      const attemptId = attempt === 0 ? req.id : `${req.id}-${attempt}`;
      let retry = false;
      for await (const e of this.attempt({ ...req, id: attemptId }, placement, client, info)) {
        if (e.type === 'done' && info.nodeId) this.scheduler.outcome(info.nodeId, 'ok');
        if (e.type === 'error' && info.nodeId) this.scheduler.outcome(info.nodeId, nodeOutcome(e));
        if (
          e.type === 'error' &&
          !output &&
          attempt + 1 < MAX_ATTEMPTS &&
          RETRY_ELSEWHERE.has(e.code) &&
          info.nodeId !== undefined
        ) {
          this.log.warn(
            `request ${req.id}: ${e.code} on node ${info.nodeId} before output; placing it again`,
          );
          this.metrics.switchyard_replacements_total.inc();
          excluded.add(info.nodeId);
          failed = e;
          retry = true;
          break;
        }
        if (e.type === 'delta') output = true;
        yield e.type === 'error' ? { ...e, afterOutput: output } : e;
      }
      if (!retry) return;
    }
  }

  /** Runs one queueing call; a Redis failure becomes SY_CLUSTER_UNAVAILABLE. */
  private async enqueue(put: () => Promise<void>): Promise<void> {
    try {
      await put();
    } catch (err) {
      if (err instanceof SwitchyardError) throw err;
      this.log.error(`could not enqueue: ${errorMessage(err)}`);
      throw new SwitchyardError(
        'SY_CLUSTER_UNAVAILABLE',
        'The cluster is unreachable right now; try again shortly.',
        {
          retryAfterSeconds: 1,
          cause: err,
        },
      );
    }
  }

  /** A node other than the ones that failed this request, or null when there is none. */
  private async placeAnother(
    req: InferenceRequest,
    excluded: ReadonlySet<string>,
  ): Promise<Placement | null> {
    try {
      return await this.scheduler.place(req, excluded);
    } catch (err) {
      if (err instanceof SwitchyardError) return null;
      throw err;
    }
  }

  /**
   * One placement of the request: enqueue it on the granted node or on its model's shared
   * queue, and relay its events until the terminal one. A queued request learns its node from
   * the `start` event of whichever node took it.
   */
  private async *attempt(
    req: InferenceRequest,
    placement: Placement,
    client: AbortSignal,
    info: ExecutionInfo,
  ): AsyncGenerator<StreamEvent> {
    let nodeId = placement.kind === 'node' ? placement.nodeId : undefined;
    info.nodeId = nodeId;
    const events = this.cluster.replies.open(req.id);
    if (nodeId) this.track(nodeId, req.id);
    const enqueuedAt = Date.now();
    let started = false;
    let ended = false;
    let queued = false;
    const onClientGone = () =>
      this.inject(req.id, {
        type: 'error',
        code: 'SY_CANCELLED',
        message: 'client went away',
        retryable: false,
      });
    client.addEventListener('abort', onClientGone, { once: true });
    const deadline = setTimeout(() => {
      if (started) return;
      this.metrics.switchyard_admission_rejections_total.inc({ reason: 'deadline' });
      this.inject(req.id, overloaded(this.config.maxQueueWaitMs));
    }, this.config.maxQueueWaitMs);
    try {
      const job = {
        request: req,
        replyTo: this.cluster.replyChannel,
        deadline: enqueuedAt + this.config.maxQueueWaitMs,
        enqueuedAt,
      };
      if (nodeId) {
        await this.enqueue(() =>
          this.cluster.jobs.enqueue(nodeId!, job, { priority: req.priority }),
        );
        this.metrics.switchyard_placements_total.inc({ node: nodeId });
      } else {
        await this.enqueue(() => this.queueShared(req, job));
        queued = true;
      }
      if (client.aborted) onClientGone();
      for await (const e of events) {
        if (e.type === 'start') {
          started = true;
          info.queueMs = Date.now() - enqueuedAt;
          this.metrics.switchyard_queue_wait_seconds.observe(
            { queue: queued ? 'shared' : 'node', priority: String(req.priority) },
            info.queueMs / 1000,
          );
          if (!nodeId) {
            nodeId = e.nodeId;
            info.nodeId = nodeId;
            this.track(nodeId, req.id);
            this.scheduler.ranOn(placement, nodeId);
            this.metrics.switchyard_placements_total.inc({ node: nodeId });
          }
        }
        // The node has let go of the request only if the terminal event came from the node.
        if (e.type === 'done' || e.type === 'error') ended = !this.injected.has(req.id);
        yield e;
        if (e.type === 'done' || e.type === 'error') return;
      }
    } finally {
      clearTimeout(deadline);
      client.removeEventListener('abort', onClientGone);
      events.close();
      this.injected.delete(req.id);
      if (nodeId) this.untrack(nodeId, req.id);
      // A queued request's node holds (and releases) its own reservation.
      if (placement.kind === 'node') this.scheduler.release(placement.nodeId, req.id);
      if (!ended) void this.withdraw(req, nodeId, queued, started);
    }
  }

  /**
   * Puts the request on its model's shared queue, unless the queue is at its bound: then it is
   * refused at once (429 with Retry-After) rather than left to wait out its deadline. Within a
   * priority class, tenants take turns.
   */
  private async queueShared(req: InferenceRequest, job: InferenceJob): Promise<void> {
    const depth = await this.cluster.jobs.sharedDepth(req.model);
    if (depth >= this.config.maxQueuedPerModel) {
      this.metrics.switchyard_admission_rejections_total.inc({ reason: 'queue_full' });
      throw new SwitchyardError(
        'SY_OVERLOADED',
        `Too many requests are waiting for '${req.model}' (${depth}); try again shortly.`,
        { retryAfterSeconds: 2, model: req.model },
      );
    }
    const tenant = req.tenant ?? 'anonymous';
    const turn = await nextTenantTurn(
      this.cluster.redis,
      this.cluster.keys,
      req.model,
      req.priority,
      tenant,
    );
    await this.cluster.jobs.enqueueShared(
      req.model,
      { ...job, shared: true },
      { priority: queuePriority(req.priority, turn) },
    );
  }

  /**
   * The request ended here without a terminal event from the node: take it back from its
   * queue, or cancel it on the node running it. A queued request a node took before its
   * `start` arrived is still caught: the worker checks the cancelled mark before starting.
   */
  private async withdraw(
    req: InferenceRequest,
    nodeId: string | undefined,
    queued: boolean,
    started: boolean,
  ): Promise<void> {
    const id = req.id;
    try {
      if (!started) {
        const removed = queued
          ? await this.cluster.jobs.removeShared(req.model, id)
          : nodeId !== undefined && (await this.cluster.jobs.remove(nodeId, id));
        if (removed) return;
      }
      await this.cluster.cancels.cancel(nodeId ?? NO_NODE, id);
    } catch (err) {
      this.log.warn(`could not withdraw ${id} from ${nodeId ?? 'the queue'}: ${errorMessage(err)}`);
    }
  }

  private inject(attemptId: string, event: ErrorEvent): void {
    this.injected.add(attemptId);
    this.cluster.replies.inject(attemptId, event);
  }

  private track(nodeId: string, attemptId: string): void {
    let set = this.byNode.get(nodeId);
    if (!set) this.byNode.set(nodeId, (set = new Set()));
    set.add(attemptId);
  }

  private untrack(nodeId: string, attemptId: string): void {
    const set = this.byNode.get(nodeId);
    set?.delete(attemptId);
    if (set?.size === 0) this.byNode.delete(nodeId);
  }
}

function interrupted(message: string): ErrorEvent {
  return { type: 'error', code: 'SY_STREAM_INTERRUPTED', message, retryable: true };
}

function overloaded(waitMs: number): ErrorEvent {
  return {
    type: 'error',
    code: 'SY_OVERLOADED',
    message: `No node could start this request within ${Math.round(waitMs / 1000)} s; try again later.`,
    retryable: true,
  };
}
