import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionInfo } from './execution/execution-info';

/** How long a stream ended for a too-slow client may take to flush before its socket is dropped. */
const SLOW_CLIENT_LINGER_MS = 10_000;

/**
 * The raw HTTP side of one response: disconnect detection, the routing headers every
 * response carries, and raw writes for streams (Fastify's reply is bypassed once streaming).
 *
 * Backpressure: when the socket will not take more (`write` returns false), relaying pauses —
 * whole frames wait here, counted, and go out in one write on `drain`. What waits here plus
 * what the socket holds never exceeds `maxBufferedBytes`: past it the stream is over
 * (`overflowed`), the relay stops and the engine request is cancelled, and the client gets
 * the error frame after the frames it already has.
 */
export class ClientResponse {
  private readonly abort = new AbortController();
  private headersSent = false;
  private ended = false;
  private readonly pending: string[] = [];
  private pendingBytes = 0;
  private paused = false;
  private tooSlow = false;
  private readonly extraHeaders: Record<string, string> = {};

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly requestId: string,
    private readonly maxBufferedBytes = Number.POSITIVE_INFINITY,
  ) {
    // Errors rendered by the error sink before any byte was sent carry the id too.
    reply.header('x-request-id', requestId).header('request-id', requestId);
    // 'close' on the response before it finished means the client went away.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) this.abort.abort();
    });
  }

  /** Aborts when the client disconnects before the response is complete. */
  get gone(): AbortSignal {
    return this.abort.signal;
  }

  get started(): boolean {
    return this.headersSent;
  }

  get finished(): boolean {
    return this.ended;
  }

  /** Headers every answer carries from here on, errors included (rate limits). */
  addHeaders(headers: Record<string, string>): void {
    Object.assign(this.extraHeaders, headers);
    this.reply.headers(headers);
  }

  routingHeaders(info: ExecutionInfo): Record<string, string> {
    return {
      ...this.extraHeaders,
      'x-request-id': this.requestId,
      // Anthropic's SDK reads request-id; OpenAI's reads x-request-id.
      'request-id': this.requestId,
      ...(info.nodeId !== undefined ? { 'x-switchyard-node': info.nodeId } : {}),
      ...(info.queueMs !== undefined ? { 'x-switchyard-queue-ms': String(info.queueMs) } : {}),
      ...(info.explain !== undefined ? { 'x-switchyard-explain': info.explain } : {}),
      // A whole response whose answer was carried on by another node says so.
      ...(info.resumes !== undefined ? { 'x-switchyard-resumed': String(info.resumes) } : {}),
    };
  }

  /** Sends the status line and headers of a stream; from here on errors go in-band. */
  startStream(contentType: string, info: ExecutionInfo): void {
    this.reply.hijack();
    this.reply.raw.writeHead(200, {
      'content-type': contentType,
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...this.routingHeaders(info),
    });
    this.headersSent = true;
  }

  /** The client reads too slowly: the stream must end (see the class comment). */
  get overflowed(): boolean {
    return this.tooSlow;
  }

  /** Bytes this response holds for the client: waiting here plus in the socket's buffer. */
  get bufferedBytes(): number {
    return this.pendingBytes + this.reply.raw.writableLength;
  }

  write(bytes: string): void {
    const raw = this.reply.raw;
    if (bytes === '' || raw.destroyed || this.tooSlow) return;
    if (this.paused) {
      this.pending.push(bytes);
      this.pendingBytes += Buffer.byteLength(bytes);
    } else if (!raw.write(bytes)) {
      this.paused = true;
      raw.once('drain', () => this.flush());
    }
    if (this.bufferedBytes > this.maxBufferedBytes) this.tooSlow = true;
  }

  /**
   * Ends the stream with `last` (an error frame) after the frames still waiting — unless the
   * client is too slow, when those are dropped: the error frame goes right after the whole
   * frames the socket already holds.
   */
  endWith(last: string): void {
    const raw = this.reply.raw;
    if (this.tooSlow) {
      this.pending.length = 0;
      this.pendingBytes = 0;
      // A reader this slow may never take the rest: do not let it hold the socket forever.
      const linger = setTimeout(() => raw.destroy(), SLOW_CLIENT_LINGER_MS);
      linger.unref();
      raw.once('close', () => clearTimeout(linger));
    }
    this.pending.push(last);
    this.endStream();
  }

  /** Ends the stream after every frame still waiting (the socket keeps write order). */
  endStream(): void {
    this.ended = true;
    const raw = this.reply.raw;
    if (raw.destroyed) return;
    if (this.pending.length > 0) raw.write(this.pending.join(''));
    this.pending.length = 0;
    this.pendingBytes = 0;
    raw.end();
  }

  private flush(): void {
    this.paused = false;
    if (this.pending.length === 0 || this.reply.raw.destroyed) return;
    const bytes = this.pending.join('');
    this.pending.length = 0;
    this.pendingBytes = 0;
    if (!this.reply.raw.write(bytes)) {
      this.paused = true;
      this.reply.raw.once('drain', () => this.flush());
    }
  }

  async sendJson(status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    this.headersSent = true;
    await this.reply.status(status).headers(headers).send(body);
  }

  get remoteAddress(): string | undefined {
    return this.request.ip;
  }
}
