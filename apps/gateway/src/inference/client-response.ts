import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ExecutionInfo } from './execution/execution-info';

/**
 * The raw HTTP side of one response: disconnect detection, the routing headers every
 * response carries, and raw writes for streams (Fastify's reply is bypassed once streaming).
 */
export class ClientResponse {
  private readonly abort = new AbortController();
  private headersSent = false;
  private ended = false;
  private readonly extraHeaders: Record<string, string> = {};

  constructor(
    private readonly request: FastifyRequest,
    private readonly reply: FastifyReply,
    readonly requestId: string,
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

  write(bytes: string): void {
    if (bytes !== '' && !this.reply.raw.destroyed) this.reply.raw.write(bytes);
  }

  endStream(): void {
    this.ended = true;
    if (!this.reply.raw.destroyed) this.reply.raw.end();
  }

  async sendJson(status: number, body: unknown, headers: Record<string, string>): Promise<void> {
    this.headersSent = true;
    await this.reply.status(status).headers(headers).send(body);
  }

  get remoteAddress(): string | undefined {
    return this.request.ip;
  }
}
