import type { Logger } from '@nestjs/common';
import type { CancelSender, ReplyHub, RequestEvents } from '@switchyard/cluster';
import {
  ERROR_CODES,
  errorMessage,
  isTerminal,
  type ErrorEvent,
  type InferenceRequest,
  type StartEvent,
  type StreamEvent,
} from '@switchyard/contracts';
import type { NodeOutcome } from '@switchyard/scheduling';
import type { GatewayMetrics } from '../../gateway-metrics';
import type { PlacementLease } from '../placement/placement-lease';
import type { ExecutionInfo } from './execution-info';

/**
 * `queued`: waiting in the model's shared queue; `placed`: handed to a node that has not
 * started it; `started`: the node runs it; `ended`: its terminal event was read.
 */
export type AttemptState = 'queued' | 'placed' | 'started' | 'ended';

/** What every attempt of one gateway shares. */
export interface AttemptDeps {
  replies: ReplyHub;
  cancels: CancelSender;
  metrics: GatewayMetrics;
  /** The request's `model` label (a closed set). */
  modelLabel(model: string): string;
  log: Logger;
  /** How long a request may wait for a node to start it. */
  maxQueueWaitMs: number;
  /** An event came from the node: proof it is alive, whatever its heartbeats say. */
  sawActivity(nodeId: string): void;
}

/**
 * How long a node that had a free slot may take to start a request before it is taken back
 * and placed elsewhere (a node whose job loop is stuck or paused while it still heartbeats).
 */
export const DISPATCH_ACK_MS = 2000;

/** Cancel channel for a queued request whose node is unknown: only the cancelled mark matters. */
const NO_NODE = 'unknown';

/** How an error a node reported reflects on the node, for its circuit breaker. */
const NODE_OUTCOME = { node: 'node-error', client: 'client-error', none: 'ok' } as const;

/**
 * One placement's event stream: relays the node's events in order until the terminal one,
 * ends it from here when the client goes, the wait deadline passes or the node dies, and on
 * the way out takes the request back from its queue or cancels it on its node — unless the
 * node itself ended it. Failover and resume are the caller's: an attempt is one node's try.
 */
export class Attempt {
  private state: AttemptState;
  /** The terminal event made here, if any: the node has not let go of the request then. */
  private injected: ErrorEvent | undefined;
  private endedByNode = false;
  /** Events seen, and the count and time at the last quiet check: cheaper than a timer per event. */
  private seen = 0;
  private checkedSeen = -1;
  private quietSince = 0;

  constructor(
    readonly request: InferenceRequest,
    readonly lease: PlacementLease,
    private readonly events: RequestEvents,
    private readonly info: ExecutionInfo,
    private readonly enqueuedAt: number,
    private readonly deps: AttemptDeps,
  ) {
    this.state = lease.target.kind === 'queue' ? 'queued' : 'placed';
    info.nodeId = lease.nodeId;
  }

  get nodeId(): string | undefined {
    return this.lease.nodeId;
  }

  /** Ends the attempt with an event made here (client gone, deadline, node gone). */
  interrupt(event: ErrorEvent): void {
    if (this.state === 'ended' || this.injected) return;
    this.injected = event;
    this.deps.replies.inject(this.request.id, event);
  }

  async *run(client: AbortSignal): AsyncGenerator<StreamEvent> {
    const onClientGone = () => this.interrupt(cancelled());
    client.addEventListener('abort', onClientGone, { once: true });
    if (client.aborted) onClientGone();
    const deadline = setTimeout(() => this.deadlinePassed(), this.deps.maxQueueWaitMs);
    const ack = this.lease.expectsPromptStart
      ? setTimeout(() => void this.notTaken(), DISPATCH_ACK_MS)
      : undefined;
    try {
      for await (const e of this.events) {
        this.seen++;
        if (e.type === 'start') this.started(e);
        const nodeId = this.lease.nodeId;
        if (nodeId !== undefined && e !== this.injected) this.deps.sawActivity(nodeId);
        if (isTerminal(e)) this.ended(e);
        yield e;
        if (this.state === 'ended') return;
      }
    } finally {
      clearTimeout(deadline);
      clearTimeout(ack);
      client.removeEventListener('abort', onClientGone);
      this.events.close();
      if (this.endedByNode) this.lease.release();
      else void this.withdraw();
    }
  }

  /**
   * Called every second or so: a started request whose node sent nothing for `limitMs` is
   * cut, so it moves to another node or ends with an error frame instead of hanging.
   */
  checkQuiet(now: number, limitMs: number): void {
    if (this.state !== 'started') return;
    if (this.seen !== this.checkedSeen) {
      this.checkedSeen = this.seen;
      this.quietSince = now;
    } else if (now - this.quietSince >= limitMs) {
      this.deps.log.warn(
        `node ${this.nodeId} sent nothing for request ${this.request.id} in ${limitMs} ms`,
      );
      this.interrupt({
        type: 'error',
        code: 'SY_STREAM_INTERRUPTED',
        message: `The node serving this request sent nothing for ${Math.round(limitMs / 1000)} s.`,
        retryable: true,
      });
    }
  }

  private started(e: StartEvent): void {
    if (this.state === 'started') return;
    const queued = this.state === 'queued';
    this.state = 'started';
    this.lease.start(e.nodeId);
    this.info.nodeId = e.nodeId;
    this.info.queueMs = Date.now() - this.enqueuedAt;
    const { metrics } = this.deps;
    metrics.switchyard_queue_wait_seconds.observe(
      {
        model: this.deps.modelLabel(this.request.model),
        priority: String(this.request.priority),
        queue: queued ? 'shared' : 'node',
      },
      this.info.queueMs / 1000,
    );
    if (queued) metrics.switchyard_placements_total.inc({ node: e.nodeId });
  }

  private ended(e: StreamEvent): void {
    this.state = 'ended';
    this.endedByNode = e !== this.injected;
    const outcome: NodeOutcome =
      e.type === 'error' ? NODE_OUTCOME[ERROR_CODES[e.code].fault] : 'ok';
    this.lease.finish(outcome);
  }

  private deadlinePassed(): void {
    if (this.state !== 'queued' && this.state !== 'placed') return;
    this.deps.metrics.switchyard_admission_rejections_total.inc({ reason: 'deadline' });
    this.interrupt(overloaded(this.deps.maxQueueWaitMs));
  }

  /**
   * The node had room but has not taken the request: take it back and end the attempt with
   * an error another node may not have, so the failover loop places it elsewhere. A node
   * that took it meanwhile keeps it.
   */
  private async notTaken(): Promise<void> {
    if (this.state !== 'placed') return;
    try {
      if (!(await this.lease.withdraw())) return;
    } catch {
      return; // Redis is away: the wait deadline still ends the attempt
    }
    this.deps.log.warn(
      `node ${this.nodeId} did not take request ${this.request.id}; placing it again`,
    );
    this.interrupt({
      type: 'error',
      code: 'SY_ENGINE_UNAVAILABLE',
      message: `The node did not take the request within ${DISPATCH_ACK_MS} ms.`,
      retryable: true,
    });
  }

  /**
   * The attempt ended here while the node may still have the request: take it back from its
   * queue, or cancel it on the node running it. A queued request a node took before its
   * `start` arrived is still caught: the worker checks the cancelled mark before starting.
   */
  private async withdraw(): Promise<void> {
    const id = this.request.id;
    try {
      if (await this.lease.withdraw()) return;
      await this.deps.cancels.cancel(this.lease.nodeId ?? NO_NODE, id);
    } catch (err) {
      const where = this.lease.nodeId ?? 'the queue';
      this.deps.log.warn(`could not withdraw ${id} from ${where}: ${errorMessage(err)}`);
    } finally {
      this.lease.release();
    }
  }
}

function cancelled(): ErrorEvent {
  return { type: 'error', code: 'SY_CANCELLED', message: 'client went away', retryable: false };
}

function overloaded(waitMs: number): ErrorEvent {
  return {
    type: 'error',
    code: 'SY_OVERLOADED',
    message: `No node could start this request within ${Math.round(waitMs / 1000)} s; try again later.`,
    retryable: true,
  };
}
