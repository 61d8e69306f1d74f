import { encodeRelay, encodeRelayBatch, type RelayMessage } from '@switchyard/contracts';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection';

/** How soon an event that may wait is published, at the latest (default 8 ms). */
const DEFAULT_LINGER_MS = 8;

/**
 * `now`: publish as soon as the channel has no publish in flight (the first output of a
 * request, terminal events). `soon`: within the linger, or with the next `now` flush.
 */
export type Urgency = 'now' | 'soon';

/** How long a publish nobody received is retried (a failover moving the gateway's subscriber). */
const DEFAULT_UNHEARD_RETRY_MS = 3000;

export interface ReplyOutboxOptions {
  lingerMs?: number;
  /**
   * A PUBLISH that reached no subscriber is sent again, with backoff, for up to this long
   * (default 3 s; 0 turns it off). During a Sentinel failover a worker may still publish on
   * the demoted master while the gateway listens on the new one: the events would vanish and
   * the stream wait forever. Not on a cluster, where PUBLISH counts only the receiving
   * node's own subscribers.
   */
  unheardRetryMs?: number;
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
  private readonly unheardRetryMs: number;

  constructor(
    private readonly redis: RedisClient,
    opts: ReplyOutboxOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
    this.unheardRetryMs =
      redis instanceof Cluster ? 0 : (opts.unheardRetryMs ?? DEFAULT_UNHEARD_RETRY_MS);
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
      await this.publish(
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

  /**
   * PUBLISH, sent again while nobody hears it, up to `unheardRetryMs` (no extra round trip
   * when it is heard). A gateway that is gone for good costs its channel that long per flush.
   */
  private async publish(channel: string, message: string): Promise<void> {
    const giveUpAt = Date.now() + this.unheardRetryMs;
    for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
      const heard = await this.redis.publish(channel, message);
      if (heard > 0 || Date.now() + delay > giveUpAt) return;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
