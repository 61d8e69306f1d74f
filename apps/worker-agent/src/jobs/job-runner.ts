import {
  ReplyOutbox,
  ReservationStore,
  ShutdownGraceOver,
  isCancelled,
  type RedisClient,
  type Urgency,
} from '@switchyard/cluster';
import {
  errorMessage,
  type InferenceJob,
  type KeySpace,
  type StreamEvent,
  type UsageEvent,
} from '@switchyard/contracts';
import type { Logger } from 'pino';
import type { EngineClient } from '../engine/engine.client';
import type { OwnCounters } from '../node/own-counters';
import type { WorkerMetrics } from '../worker-metrics';

/**
 * Runs one job against the engine and publishes its canonical events, numbered, on the
 * job's reply channel. Guarantees exactly one terminal event per job it starts, so the
 * gateway never waits on a timeout to learn of a failure.
 */
export class JobRunner {
  private readonly outbox: ReplyOutbox;
  private readonly reservations: ReservationStore;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
    private readonly nodeId: string,
    private readonly engine: EngineClient,
    private readonly own: OwnCounters,
    private readonly metrics: WorkerMetrics,
    private readonly log: Logger,
  ) {
    this.outbox = new ReplyOutbox(redis);
    this.reservations = new ReservationStore(redis, keys);
  }

  /**
   * Runs a job; a job pulled from a shared queue is also held in this node's reservations
   * while it runs, so gateways placing directly see the slot taken at once.
   */
  readonly run = async (job: InferenceJob, signal: AbortSignal): Promise<void> => {
    if (!job.shared) return this.execute(job, signal);
    const id = job.request.id;
    await this.reservations.hold(this.nodeId, id).catch((err: unknown) => this.holdFailed(err));
    try {
      await this.execute(job, signal);
    } finally {
      await this.reservations
        .release(this.nodeId, id)
        .catch((err: unknown) => this.holdFailed(err));
    }
  };

  /** Stops retrying replies that were not delivered (the node is stopping). */
  stopRetrying(): void {
    this.outbox.close();
  }

  private holdFailed(err: unknown): void {
    this.log.warn({ err: errorMessage(err) }, 'could not update the node’s reservations');
  }

  private async execute(job: InferenceJob, signal: AbortSignal): Promise<void> {
    const { request } = job;
    const startedAt = performance.now();
    let seq = 0;
    // The outbox keeps order and coalesces; only the terminal event is awaited.
    const publish = (event: StreamEvent, urgency: Urgency = 'now'): Promise<unknown> =>
      this.outbox.send(job.replyTo, { requestId: request.id, seq: seq++, event }, urgency);
    const publishQuietly = (event: StreamEvent, urgency: Urgency) =>
      void publish(event, urgency).catch((err: unknown) =>
        this.log.warn({ err: errorMessage(err) }, 'publish failed'),
      );

    if (Date.now() > job.deadline) {
      this.metrics.switchyard_jobs_total.inc({ outcome: 'expired' });
      await publish({
        type: 'error',
        code: 'SY_OVERLOADED',
        message: 'The request waited too long for a slot.',
        retryable: true,
      });
      return;
    }
    // A shared-queue job may be withdrawn before its node is known (no cancel message reaches
    // it); a dispatched one is popped atomically, and the consumer remembers its cancels.
    if (job.shared && (await isCancelled(this.redis, this.keys, request.id))) {
      this.metrics.switchyard_jobs_total.inc({ outcome: 'cancelled' });
      return;
    }

    publishQuietly(
      {
        type: 'start',
        nodeId: this.nodeId,
        model: request.model,
        created: Math.floor(Date.now() / 1000),
      },
      'soon',
    );
    let outcome = 'cancelled';
    let firstTokenAt: number | undefined;
    let lastTokenAt = 0;
    let usage: UsageEvent | undefined;
    // Tokens relayed so far and not yet settled by a usage report (the live throughput figure).
    let streamed = 0;
    try {
      for await (const event of this.engine.stream(request, signal)) {
        if (event.type === 'done') {
          outcome = 'done';
          if (firstTokenAt !== undefined && usage !== undefined && request.kind !== 'embedding') {
            this.own.finished({
              ttftSeconds: (firstTokenAt - startedAt) / 1000,
              decodeSeconds: (lastTokenAt - firstTokenAt) / 1000,
              promptTokens: usage.promptTokens,
              cachedTokens: usage.cachedTokens,
              completionTokens: usage.completionTokens,
              choices: request.sampling.n,
            });
          }
          await publish(event);
        } else if (event.type === 'error') {
          outcome = 'error';
          this.metrics.switchyard_engine_errors_total.inc({ code: event.code });
          await publish(event);
        } else {
          // The first output leaves at once (time to first token); the rest may coalesce.
          let urgency: Urgency = 'soon';
          if (event.type === 'delta') {
            const tokens = event.logprobs?.length || 1;
            streamed += tokens;
            this.own.streamed(tokens);
            lastTokenAt = performance.now();
            if (firstTokenAt === undefined) {
              firstTokenAt = lastTokenAt;
              urgency = 'now';
              this.own.firstToken((firstTokenAt - startedAt) / 1000);
              this.metrics.switchyard_node_time_to_first_token_seconds.observe(
                { model: request.model },
                (firstTokenAt - startedAt) / 1000,
              );
            }
          }
          if (event.type === 'usage') {
            usage = event;
            this.own.usage(event.promptTokens, event.completionTokens);
            const model = { model: request.model };
            this.metrics.switchyard_node_prompt_tokens_total.inc(model, event.promptTokens);
            this.metrics.switchyard_node_generation_tokens_total.inc(model, event.completionTokens);
            this.own.settled(streamed, true);
            streamed = 0;
          }
          publishQuietly(event, urgency);
        }
      }
      if (outcome === 'cancelled') {
        // The engine call was aborted: still end the stream. Cut by this node's shutdown, the
        // request is not the client's to lose: the gateway moves it to another node.
        await publish(
          signal.reason instanceof ShutdownGraceOver
            ? {
                type: 'error',
                code: 'SY_STREAM_INTERRUPTED',
                message: 'The node shut down before the request finished.',
                retryable: true,
              }
            : {
                type: 'error',
                code: 'SY_CANCELLED',
                message: 'The request was cancelled.',
                retryable: false,
              },
        );
      }
    } catch (err) {
      outcome = 'error';
      this.log.error({ err: errorMessage(err), requestId: request.id }, 'job failed unexpectedly');
      await publish({
        type: 'error',
        code: 'SY_INTERNAL',
        message: 'The worker failed while running the request.',
        retryable: false,
      }).catch(() => undefined);
    } finally {
      this.own.settled(streamed, false);
      this.metrics.switchyard_jobs_total.inc({ outcome });
      this.metrics.switchyard_job_duration_seconds.observe((performance.now() - startedAt) / 1000);
    }
  }
}
