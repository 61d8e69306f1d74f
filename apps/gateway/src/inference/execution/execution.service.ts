import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
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
import { Attempt, type AttemptDeps } from './attempt';
import type { ExecutionInfo } from './execution-info';

const MAX_ATTEMPTS = 3;

/**
 * Runs one request on the cluster and yields its events in order. Each try is an Attempt on
 * one placement; a node that fails or leaves before the first token is replaced by another
 * (failover), up to MAX_ATTEMPTS; after the first token the failure ends the stream.
 */
@Injectable()
export class ExecutionService implements OnModuleInit {
  private readonly log = new Logger(ExecutionService.name);
  private readonly deps: AttemptDeps;
  /** Attempts in progress, so a node's death reaches its requests at once. */
  private readonly live = new Set<Attempt>();

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
  }

  async *run(
    req: InferenceRequest,
    request: PlacementRequest,
    client: AbortSignal,
    info: ExecutionInfo,
  ): AsyncGenerator<StreamEvent> {
    const excluded = new Set<string>();
    let output = false;
    let failed: ErrorEvent | undefined;
    for (let n = 0; ; n++) {
      const attempt = await this.begin(n === 0 ? req : { ...req, id: `${req.id}-${n}` }, request, {
        excluded,
        info,
        failover: failed !== undefined,
      });
      // No other node to try: the client learns what went wrong, not that the fleet is small.
      if (!attempt) {
        yield failed!;
        return;
      }
      info.attempts = n + 1;
      let retry = false;
      this.live.add(attempt);
      try {
        for await (const e of attempt.run(client)) {
          const nodeId = attempt.nodeId;
          const elsewhere = e.type === 'error' && !output && ERROR_CODES[e.code].retryElsewhere;
          if (elsewhere && n + 1 < MAX_ATTEMPTS && nodeId !== undefined) {
            this.log.warn(
              `request ${req.id}: ${e.code} on node ${nodeId} before output; placing it again`,
            );
            this.metrics.switchyard_failovers_total.inc({
              model: this.labels.model(req.model),
              code: e.code,
            });
            excluded.add(nodeId);
            failed = e;
            retry = true;
            break;
          }
          if (e.type === 'delta') output = true;
          yield e.type === 'error' ? { ...e, afterOutput: output } : e;
        }
      } finally {
        this.live.delete(attempt);
      }
      if (!retry) return;
    }
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
