import { encodeRelay, encodeRelayBatch, type RelayMessage } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';

/** How soon an event that may wait is published, at the latest (default 8 ms). */
const DEFAULT_LINGER_MS = 8;

/**
 * `now`: publish as soon as the channel has no publish in flight (the first output of a
 * request, terminal events). `soon`: within the linger, or with the next `now` flush.
 */
export type Urgency = 'now' | 'soon';

export interface ReplyOutboxOptions {
  lingerMs?: number;
}

/** Events waiting for one reply channel, and who waits for their publish. */
interface ChannelQueue {
  pending: RelayMessage[];
  settle: { resolve: () => void; reject: (err: unknown) => void }[];
  inFlight: boolean;
  urgent: boolean;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Worker side of the reply channels: coalesces the events of every request bound for one
 * gateway replica into as few PUBLISHes as the pace allows. At most one publish per channel
 * is in flight; what arrives meanwhile leaves in the next one, as one batch message. A token
 * stream thus costs one Redis command per linger interval instead of one per token, and a
 * gateway reads one message per batch. Order per channel (so per request) is kept.
 */
export class ReplyOutbox {
  private readonly channels = new Map<string, ChannelQueue>();
  private readonly lingerMs: number;

  constructor(
    private readonly redis: RedisClient,
    opts: ReplyOutboxOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
  }

  /**
   * Queues one event for `replyTo`. Resolves once the publish carrying it succeeded; rejects
   * with that publish's error. Callers await only the events they must know delivered.
   */
  send(replyTo: string, msg: RelayMessage, urgency: Urgency): Promise<void> {
    let q = this.channels.get(replyTo);
    if (!q) {
      q = { pending: [], settle: [], inFlight: false, urgent: false, timer: undefined };
      this.channels.set(replyTo, q);
    }
    q.pending.push(msg);
    const delivered = new Promise<void>((resolve, reject) => q.settle.push({ resolve, reject }));
    if (urgency === 'now') q.urgent = true;
    this.schedule(replyTo, q);
    return delivered;
  }

  private schedule(channel: string, q: ChannelQueue): void {
    if (q.inFlight || q.pending.length === 0) return;
    if (q.urgent) {
      if (q.timer) clearTimeout(q.timer);
      q.timer = undefined;
      void this.flush(channel, q);
    } else {
      q.timer ??= setTimeout(() => {
        q.timer = undefined;
        void this.flush(channel, q);
      }, this.lingerMs);
    }
  }

  private async flush(channel: string, q: ChannelQueue): Promise<void> {
    if (q.inFlight || q.pending.length === 0) return;
    const batch = q.pending;
    const settle = q.settle;
    q.pending = [];
    q.settle = [];
    q.urgent = false;
    q.inFlight = true;
    try {
      await this.redis.publish(
        channel,
        batch.length === 1 ? encodeRelay(batch[0]!) : encodeRelayBatch(batch),
      );
      for (const s of settle) s.resolve();
    } catch (err) {
      for (const s of settle) s.reject(err);
    } finally {
      q.inFlight = false;
      if (q.pending.length === 0) this.channels.delete(channel);
      else this.schedule(channel, q);
    }
  }
}
