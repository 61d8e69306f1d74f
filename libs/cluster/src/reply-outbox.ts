import { encodeRelay, encodeRelayBatch, type RelayMessage } from '@switchyard/contracts';
import { Cluster } from 'ioredis';
import type { RedisClient } from './redis-connection';

/** How soon an event that may wait is published, at the latest (default 8 ms). */
const DEFAULT_LINGER_MS = 8;
/** How long undelivered events are retried before their sends reject (default 15 s). */
const DEFAULT_RETRY_FOR_MS = 15_000;
const RETRY_FIRST_MS = 50;
const RETRY_MAX_MS = 1000;

/**
 * `now`: publish as soon as the channel has no publish in flight (the first output of a
 * request, terminal events). `soon`: within the linger, or with the next `now` flush.
 */
export type Urgency = 'now' | 'soon';

export interface ReplyOutboxOptions {
  lingerMs?: number;
  /**
   * How long a batch that was not delivered is retried: a publish that failed (Redis away) or
   * that no subscriber received (the gateway's subscription is reconnecting) is sent again,
   * so a short outage delays events instead of losing them. 0: no retries.
   */
  retryForMs?: number;
  /**
   * Whether a publish no subscriber received counts as undelivered (default true). Off where
   * PUBLISH counts only the receivers on one server (a Redis Cluster's broadcast pub/sub).
   */
  requireReceiver?: boolean;
}

/** Events waiting for one reply channel, and who waits for their publish. */
interface ChannelQueue {
  pending: RelayMessage[];
  settle: { resolve: () => void; reject: (err: unknown) => void }[];
  inFlight: boolean;
  urgent: boolean;
  timer: NodeJS.Timeout | undefined;
  /** When the oldest pending batch first failed to be delivered; undefined when none did. */
  failingSince: number | undefined;
  retryMs: number;
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
  private readonly retryForMs: number;
  private readonly requireReceiver: boolean;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    opts: ReplyOutboxOptions = {},
  ) {
    this.lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
    this.retryForMs = opts.retryForMs ?? DEFAULT_RETRY_FOR_MS;
    // On a cluster PUBLISH counts only the receiving node's own subscribers.
    this.requireReceiver = !(redis instanceof Cluster) && (opts.requireReceiver ?? true);
  }

  /**
   * Queues one event for `replyTo`. Resolves once the publish carrying it succeeded; rejects
   * with that publish's error. Callers await only the events they must know delivered.
   */
  send(replyTo: string, msg: RelayMessage, urgency: Urgency): Promise<void> {
    let q = this.channels.get(replyTo);
    if (!q) {
      q = {
        pending: [],
        settle: [],
        inFlight: false,
        urgent: false,
        timer: undefined,
        failingSince: undefined,
        retryMs: RETRY_FIRST_MS,
      };
      this.channels.set(replyTo, q);
    }
    q.pending.push(msg);
    const delivered = new Promise<void>((resolve, reject) => q.settle.push({ resolve, reject }));
    if (urgency === 'now') q.urgent = true;
    this.schedule(replyTo, q);
    return delivered;
  }

  /**
   * Stops retrying: sends still waiting to be delivered again reject now (a stopping worker
   * does not wait out the retry window for gateways that are gone). New sends get one try.
   */
  close(): void {
    this.closed = true;
    for (const [channel, q] of this.channels) {
      if (q.failingSince === undefined || q.inFlight) continue;
      clearTimeout(q.timer);
      for (const s of q.settle) s.reject(new Error('reply outbox closed'));
      this.channels.delete(channel);
    }
  }

  private schedule(channel: string, q: ChannelQueue): void {
    if (q.inFlight || q.pending.length === 0) return;
    if (q.failingSince !== undefined) {
      // Retrying: wait out the backoff whatever the urgency; order is kept.
      q.timer ??= setTimeout(() => {
        q.timer = undefined;
        void this.flush(channel, q);
      }, q.retryMs);
    } else if (q.urgent) {
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
      const receivers = await this.redis.publish(
        channel,
        batch.length === 1 ? encodeRelay(batch[0]!) : encodeRelayBatch(batch),
      );
      if (receivers === 0 && this.requireReceiver) throw new NoReceiver(channel);
      q.failingSince = undefined;
      q.retryMs = RETRY_FIRST_MS;
      for (const s of settle) s.resolve();
    } catch (err) {
      const now = Date.now();
      q.failingSince ??= now;
      if (!this.closed && now - q.failingSince < this.retryForMs) {
        // Back to the front, ahead of what arrived meanwhile, to be sent again after a pause.
        q.pending = [...batch, ...q.pending];
        q.settle = [...settle, ...q.settle];
        q.retryMs = Math.min(q.retryMs * 2, RETRY_MAX_MS);
      } else {
        q.failingSince = undefined;
        q.retryMs = RETRY_FIRST_MS;
        for (const s of settle) s.reject(err);
      }
    } finally {
      q.inFlight = false;
      if (q.pending.length === 0) this.channels.delete(channel);
      else this.schedule(channel, q);
    }
  }
}

/** A publish that reached no subscriber: the gateway is gone or between subscriptions. */
export class NoReceiver extends Error {
  constructor(channel: string) {
    super(`no subscriber on ${channel}`);
    this.name = 'NoReceiver';
  }
}
