import { encodeCancel, type KeySpace } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';

/** How long a cancel mark outlives the message, for a worker that takes the job late. */
const CANCELLED_TTL_SECONDS = 60;

/** Gateway side: tells the node holding a request to abort it. */
export class CancelSender {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: KeySpace,
  ) {}

  /** Marks the request cancelled and notifies the node, in one transaction. */
  async cancel(nodeId: string, requestId: string): Promise<void> {
    const result = await this.redis
      .multi()
      .set(this.keys.cancelled(requestId), '1', 'EX', CANCELLED_TTL_SECONDS)
      .publish(this.keys.cancelChannel(nodeId), encodeCancel(requestId))
      .exec();
    if (result === null) throw new Error('cancel: transaction aborted');
    for (const [err] of result) if (err) throw err;
  }
}

/**
 * Whether the request was cancelled in the last minute. A worker checks this when it takes
 * a job, because a cancel sent before the job was active reached no listener.
 */
export async function isCancelled(
  redis: RedisClient,
  keys: KeySpace,
  requestId: string,
): Promise<boolean> {
  return (await redis.exists(keys.cancelled(requestId))) === 1;
}

/**
 * Worker side: calls `onCancel(requestId)` for each cancel sent to this node. The subscriber
 * connection is the caller's; `close()` only unsubscribes.
 */
export class CancelListener {
  private readonly channel: string;
  private started = false;
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    keys: KeySpace,
    readonly nodeId: string,
    private readonly onCancel: (requestId: string) => void,
  ) {
    this.channel = keys.cancelChannel(nodeId);
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('CancelListener already started');
    this.started = true;
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriber.off('message', this.onMessage);
    if (this.started && this.subscriber.status === 'ready') {
      await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    }
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel || message.length === 0) return;
    try {
      this.onCancel(message);
    } catch {
      // A failing handler must not break the subscriber's message loop; the isCancelled
      // mark still lets the worker notice.
    }
  };
}
