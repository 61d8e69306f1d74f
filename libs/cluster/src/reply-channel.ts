import { decodeRelays, type StreamEvent } from '@switchyard/contracts';
import type { RedisClient } from './redis-connection';
import { OrderedEventStream, type RequestEvents } from './ordered-event.stream';

export interface ReplyHubOptions {
  /** How long a missing event may hold back later ones (default 2000 ms). */
  gapTimeoutMs?: number;
  /** Out-of-order events one request may hold (default 10 000). */
  maxBufferedPerRequest?: number;
}

const DEFAULT_GAP_TIMEOUT_MS = 2000;
const DEFAULT_MAX_BUFFERED = 10_000;

/**
 * Gateway side: one subscription to this replica's reply channel, fanned out to the
 * requests it has open. Open a request before enqueueing its job, so no event can arrive
 * unclaimed. The subscriber connection is the caller's; `close()` only unsubscribes.
 */
export class ReplyHub {
  /** Messages for requests not open here (finished, closed, or another replica's). */
  orphanMessages = 0;
  /** Messages that did not decode as a RelayMessage. */
  malformedMessages = 0;
  /** Repeated `seq`s and anything after a request's terminal event. */
  droppedMessages = 0;

  private readonly streams = new Map<string, OrderedEventStream>();
  private readonly gapTimeoutMs: number;
  private readonly maxBuffered: number;
  private started = false;
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    readonly channel: string,
    opts: ReplyHubOptions = {},
  ) {
    this.gapTimeoutMs = opts.gapTimeoutMs ?? DEFAULT_GAP_TIMEOUT_MS;
    this.maxBuffered = opts.maxBufferedPerRequest ?? DEFAULT_MAX_BUFFERED;
  }

  async start(): Promise<void> {
    if (this.started) throw new Error('ReplyHub already started');
    this.started = true;
    this.subscriber.on('message', this.onMessage);
    await this.subscriber.subscribe(this.channel);
  }

  /** Registers the request and returns its ordered events. Throws if it is already open. */
  open(requestId: string): RequestEvents {
    if (this.closed) throw new Error('ReplyHub is closed');
    if (this.streams.has(requestId)) throw new Error(`request ${requestId} is already open`);
    const stream: OrderedEventStream = new OrderedEventStream(requestId, {
      gapTimeoutMs: this.gapTimeoutMs,
      maxBuffered: this.maxBuffered,
      onFinished: () => {
        if (this.streams.get(requestId) === stream) this.streams.delete(requestId);
      },
    });
    this.streams.set(requestId, stream);
    return stream;
  }

  /**
   * Adds a gateway-made event (e.g. the node died) to the request's stream, after what is
   * already deliverable. False when the request is not open or its stream has ended.
   */
  inject(requestId: string, event: StreamEvent): boolean {
    return this.streams.get(requestId)?.inject(event) ?? false;
  }

  /** Requests currently open. */
  get openRequests(): number {
    return this.streams.size;
  }

  /** Ends every open request's stream and unsubscribes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.subscriber.off('message', this.onMessage);
    for (const stream of [...this.streams.values()]) stream.close();
    this.streams.clear();
    if (this.started && this.subscriber.status === 'ready') {
      await this.subscriber.unsubscribe(this.channel).catch(() => undefined);
    }
  }

  private readonly onMessage = (channel: string, message: string): void => {
    if (channel !== this.channel) return;
    const { messages, malformed } = decodeRelays(message);
    this.malformedMessages += malformed;
    for (const msg of messages) {
      const stream = this.streams.get(msg.requestId);
      if (!stream) this.orphanMessages++;
      else if (stream.push(msg.seq, msg.event) !== 'accepted') this.droppedMessages++;
    }
  };
}
