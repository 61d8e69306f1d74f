import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { JobProducer } from '@switchyard/cluster';
import {
  SwitchyardError,
  errorMessage,
  type ErrorCode,
  type ErrorEvent,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import { ClusterService } from '../cluster/cluster.service';
import { GATEWAY_CONFIG, GATEWAY_METRICS_SET } from '../gateway.tokens';
import type { GatewayMetrics } from '../gateway-metrics';
import { SchedulerService, type Reservation } from './scheduler.service';

/** Where the request ran, for response headers; filled in as the execution progresses. */
export interface ExecutionInfo {
  nodeId?: string;
  /** Time from enqueue to the node starting the request. */
  queueMs?: number;
  attempts: number;
}

/** Failures before any output that another node may well not have. */
const RETRY_ELSEWHERE: ReadonlySet<ErrorCode> = new Set([
  'SY_ENGINE_UNAVAILABLE',
  'SY_ENGINE_ERROR',
  'SY_STREAM_INTERRUPTED',
]);
const MAX_ATTEMPTS = 3;

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
      const reservation = failed
        ? this.reserveAnother(req, excluded)
        : this.scheduler.reserve(req, excluded);
      if (!reservation) {
        // No other node to try: the client learns what went wrong, not that the fleet is small.
        yield failed!;
        return;
      }
      info.nodeId = reservation.nodeId;
      info.attempts = attempt + 1;
      const attemptId = attempt === 0 ? req.id : `${req.id}-${attempt}`;
      let retry = false;
      for await (const e of this.attempt({ ...req, id: attemptId }, reservation, client, info)) {
        if (
          e.type === 'error' &&
          !output &&
          attempt + 1 < MAX_ATTEMPTS &&
          RETRY_ELSEWHERE.has(e.code)
        ) {
          this.log.warn(
            `request ${req.id}: ${e.code} on node ${reservation.nodeId} before output; placing it again`,
          );
          this.metrics.switchyard_replacements_total.inc();
          excluded.add(reservation.nodeId);
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

  private async enqueue(...args: Parameters<JobProducer['enqueue']>): Promise<void> {
    try {
      await this.cluster.jobs.enqueue(...args);
    } catch (err) {
      this.log.error(`could not enqueue on node ${args[0]}: ${errorMessage(err)}`);
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
  private reserveAnother(req: InferenceRequest, excluded: ReadonlySet<string>): Reservation | null {
    try {
      return this.scheduler.reserve(req, excluded);
    } catch (err) {
      if (err instanceof SwitchyardError) return null;
      throw err;
    }
  }

  /** One placement of the request: enqueue on the reserved node and relay until terminal. */
  private async *attempt(
    req: InferenceRequest,
    reservation: Reservation,
    client: AbortSignal,
    info: ExecutionInfo,
  ): AsyncGenerator<StreamEvent> {
    const { nodeId } = reservation;
    const events = this.cluster.replies.open(req.id);
    this.track(nodeId, req.id);
    const enqueuedAt = Date.now();
    let started = false;
    let ended = false;
    const onClientGone = () =>
      this.inject(req.id, {
        type: 'error',
        code: 'SY_CANCELLED',
        message: 'client went away',
        retryable: false,
      });
    client.addEventListener('abort', onClientGone, { once: true });
    const deadline = setTimeout(() => {
      if (!started) this.inject(req.id, overloaded(this.config.maxQueueWaitMs));
    }, this.config.maxQueueWaitMs);
    try {
      await this.enqueue(
        nodeId,
        {
          request: req,
          replyTo: this.cluster.replyChannel,
          deadline: enqueuedAt + this.config.maxQueueWaitMs,
          enqueuedAt,
        },
        { priority: req.priority },
      );
      this.metrics.switchyard_placements_total.inc({ node: nodeId });
      if (client.aborted) onClientGone();
      for await (const e of events) {
        if (e.type === 'start') {
          started = true;
          info.queueMs = Date.now() - enqueuedAt;
          this.metrics.switchyard_queue_wait_seconds.observe(info.queueMs / 1000);
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
      this.untrack(nodeId, req.id);
      this.scheduler.release(reservation);
      if (!ended) void this.withdraw(nodeId, req.id, started);
    }
  }

  /** The request ended here without a terminal event from the node: take it back from the node. */
  private async withdraw(nodeId: string, attemptId: string, started: boolean): Promise<void> {
    try {
      if (!started && (await this.cluster.jobs.remove(nodeId, attemptId))) return;
      await this.cluster.cancels.cancel(nodeId, attemptId);
    } catch (err) {
      this.log.warn(`could not withdraw ${attemptId} from node ${nodeId}: ${errorMessage(err)}`);
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
