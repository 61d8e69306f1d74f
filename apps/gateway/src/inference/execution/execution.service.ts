import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { CancelSender, ClusterViewStore, ReplyHub } from '@switchyard/cluster';
import {
  ERROR_CODES,
  SwitchyardError,
  type ErrorEvent,
  type InferenceJob,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import type { GatewayConfig } from '@switchyard/config';
import type { PlacementRequest } from '@switchyard/scheduling';
import { REPLY_CHANNEL } from '../../cluster/cluster.providers';
import { MetricLabels, type GatewayMetrics } from '../../gateway-metrics';
import { GATEWAY_CONFIG, GATEWAY_METRICS_SET } from '../../gateway.tokens';
import { PlacementService } from '../placement/placement.service';
import { AnswerSoFar } from './answer-so-far';
import { Attempt, type AttemptDeps } from './attempt';
import type { ExecutionInfo } from './execution-info';

/** Tries of one request before its first token: the first node and up to two others. */
const MAX_FAILOVER_ATTEMPTS = 3;
/** How often started requests are checked for a node that went quiet. */
const IDLE_SWEEP_MS = 1000;

/**
 * Runs one request on the cluster and yields its events in order, as one answer. Each try is
 * an Attempt on one placement. A node that fails or leaves before the first token is replaced
 * by another (failover); one that fails, leaves or goes quiet after it hands the answer to
 * another node that carries it on from the text already sent (resume), where the answer
 * allows it; otherwise the failure ends the stream. The whole request has a deadline.
 */
@Injectable()
export class ExecutionService implements OnModuleInit, OnModuleDestroy {
  private readonly log = new Logger(ExecutionService.name);
  private readonly deps: AttemptDeps;
  /** Attempts in progress, so a node's death reaches its requests at once. */
  private readonly live = new Set<Attempt>();
  private idleSweep: NodeJS.Timeout | undefined;

  constructor(
    private readonly placement: PlacementService,
    private readonly view: ClusterViewStore,
    private readonly replies: ReplyHub,
    cancels: CancelSender,
    @Inject(REPLY_CHANNEL) private readonly replyChannel: string,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(GATEWAY_METRICS_SET) private readonly metrics: GatewayMetrics,
    private readonly labels: MetricLabels,
  ) {
    this.deps = {
      replies,
      cancels,
      metrics,
      modelLabel: (model) => labels.model(model),
      log: this.log,
      maxQueueWaitMs: config.maxQueueWaitMs,
      sawActivity: (nodeId) => view.sawActivity(nodeId),
    };
  }

  onModuleInit(): void {
    this.view.on('nodeDown', (nodeId: string, reason: string) => {
      const why = reason === 'left' ? 'left' : 'stopped answering';
      for (const attempt of this.live) {
        if (attempt.nodeId === nodeId)
          attempt.interrupt(interrupted(`the node serving this request ${why}`));
      }
    });
    const quietMs = this.config.inactivityTimeoutMs;
    this.idleSweep = setInterval(() => {
      const now = Date.now();
      for (const attempt of this.live) attempt.checkQuiet(now, quietMs);
    }, IDLE_SWEEP_MS);
    this.idleSweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.idleSweep);
  }

  /** Requests running now (a draining gateway waits for them). */
  get running(): number {
    return this.live.size;
  }

  async *run(
    req: InferenceRequest,
    request: PlacementRequest,
    client: AbortSignal,
    info: ExecutionInfo,
  ): AsyncGenerator<StreamEvent> {
    const excluded = new Set<string>();
    const answer = new AnswerSoFar(req);
    let failed: ErrorEvent | undefined;
    let startSent = false;
    let current: Attempt | undefined;
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      current?.interrupt(tookTooLong(this.config.requestTimeoutMs));
    }, this.config.requestTimeoutMs);
    try {
      for (let n = 0; ; n++) {
        const resuming = answer.started;
        if (resuming && answer.remainingTokens === 0) {
          yield* answer.finishedAtLimit();
          return;
        }
        const next = resuming ? answer.continuation(`${req.id}-${n}`) : attemptOf(req, n);
        const placing = resuming ? resumePlacement(request, next) : request;
        const attempt = timedOut
          ? null
          : await this.begin(next, placing, { excluded, info, failover: failed !== undefined });
        // No other node to try: the client learns what went wrong, not that the fleet is small.
        if (!attempt) {
          yield { ...failed!, afterOutput: answer.started };
          return;
        }
        current = attempt;
        info.attempts = n + 1;
        let retry = false;
        this.live.add(attempt);
        try {
          for await (const e of attempt.run(client)) {
            if (e.type === 'start') {
              if (startSent) continue;
              startSent = true;
            }
            if (e.type === 'error' && this.shouldMove(e, answer, info, attempt, req)) {
              excluded.add(attempt.nodeId!);
              failed = e;
              retry = true;
              break;
            }
            if (e.type === 'delta') answer.record(e);
            if (e.type === 'usage') yield answer.usage(e);
            else yield e.type === 'error' ? { ...e, afterOutput: answer.started } : e;
          }
        } finally {
          this.live.delete(attempt);
        }
        if (!retry) return;
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  /**
   * Whether a failure goes to another node: before output when its code says another node
   * may not have it (failover), after output when the answer can be carried on (resume).
   */
  private shouldMove(
    e: ErrorEvent,
    answer: AnswerSoFar,
    info: ExecutionInfo,
    attempt: Attempt,
    req: InferenceRequest,
  ): boolean {
    const requestId = req.id;
    const nodeId = attempt.nodeId;
    if (!ERROR_CODES[e.code].retryElsewhere || nodeId === undefined) return false;
    if (!answer.started) {
      if (info.attempts >= MAX_FAILOVER_ATTEMPTS) return false;
      this.log.warn(
        `request ${requestId}: ${e.code} on node ${nodeId} before output; placing it again`,
      );
      this.metrics.switchyard_failovers_total.inc({
        model: this.labels.model(req.model),
        code: e.code,
      });
      return true;
    }
    const why = answer.cannotResume;
    if (why !== undefined || (info.resumes ?? 0) >= this.config.maxResumes) {
      this.log.warn(
        `request ${requestId}: ${e.code} on node ${nodeId} mid-answer; not resumed: ${why ?? 'resume limit reached'}`,
      );
      return false;
    }
    info.resumes = (info.resumes ?? 0) + 1;
    this.log.warn(
      `request ${requestId}: ${e.code} on node ${nodeId} mid-answer; resuming elsewhere`,
    );
    this.metrics.switchyard_resumes_total.inc({
      model: this.labels.model(req.model),
      code: e.code,
    });
    return true;
  }

  /**
   * Opens the attempt's reply stream (before its job exists, so no event arrives unclaimed)
   * and places it. On failover a request no other node can take gives null, not an error.
   */
  private async begin(
    req: InferenceRequest,
    request: PlacementRequest,
    opts: { excluded: ReadonlySet<string>; info: ExecutionInfo; failover: boolean },
  ): Promise<Attempt | null> {
    const events = this.replies.open(req.id);
    const enqueuedAt = Date.now();
    const job: InferenceJob = {
      request: req,
      replyTo: this.replyChannel,
      deadline: enqueuedAt + this.config.maxQueueWaitMs,
      enqueuedAt,
    };
    try {
      const lease = await this.placement.place(req, request, job, opts.excluded);
      return new Attempt(req, lease, events, opts.info, enqueuedAt, this.deps);
    } catch (err) {
      events.close();
      if (opts.failover && err instanceof SwitchyardError) return null;
      throw err;
    }
  }
}

function interrupted(message: string): ErrorEvent {
  return { type: 'error', code: 'SY_STREAM_INTERRUPTED', message, retryable: true };
}

function tookTooLong(limitMs: number): ErrorEvent {
  return {
    type: 'error',
    code: 'SY_ENGINE_TIMEOUT',
    message: `The request did not finish within ${Math.round(limitMs / 1000)} s.`,
    retryable: true,
  };
}

/** Each try of a request has its own id (its reply stream and job), derived from the first. */
function attemptOf(req: InferenceRequest, n: number): InferenceRequest {
  return n === 0 ? req : { ...req, id: `${req.id}-${n}` };
}

/** Where a continuation may go: as the request, but on an engine that can carry a chat on. */
function resumePlacement(request: PlacementRequest, next: InferenceRequest): PlacementRequest {
  const maxTokens = next.kind === 'embedding' ? undefined : next.sampling.maxTokens;
  return {
    ...request,
    continuation: next.kind === 'chat',
    ...(maxTokens !== undefined ? { maxTokens } : {}),
  };
}
