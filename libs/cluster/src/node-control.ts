import {
  NODE_CONTROL_ROUTE,
  type KeySpace,
  type NodeCommand,
  type NodeCommandReply,
  type NodeCommandRequest,
} from '@switchyard/contracts';
import { ClientRedis, ServerRedis, type RedisOptions } from '@nestjs/microservices';
import { TimeoutError, firstValueFrom, timeout } from 'rxjs';
import { reconnectDelayMs } from './redis-connection';

/*
 * The node control plane on `@nestjs/microservices`' Redis transport: request/response over
 * pub/sub, one request channel per node (`keys.nodeControl(id)`, under the cluster's key
 * prefix, so clusters and tests sharing a Redis never hear each other), replies on the same
 * name plus `.reply`. The transport opens its own ioredis connections; their options are
 * built here from the process's Redis URL.
 */

type TransportOptions = NonNullable<RedisOptions['options']>;

/** The transport's ioredis options for the Redis at `url` (redis:// or rediss://). */
export function controlTransportOptions(url: string, name: string): TransportOptions {
  const u = new URL(url);
  const db = Number(u.pathname.replace(/^\//, '') || 0);
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(u.port || 6379),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(Number.isInteger(db) && db > 0 ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    connectionName: name,
    // Reconnect forever (the retry strategy below); the transport gives up without this.
    retryAttempts: Number.MAX_SAFE_INTEGER,
    // Subscriber connections: INFO as a ready check can race the SUBSCRIBE (see createRedis).
    enableReadyCheck: false,
  };
}

/**
 * The worker-agent's side: a Redis transport server whose one handler pattern,
 * `NODE_CONTROL_ROUTE`, listens on this node's own control channel. Handlers stay ordinary
 * `@MessagePattern(NODE_CONTROL_ROUTE)` methods.
 */
export class NodeControlServer extends ServerRedis {
  private readonly channel: string;

  constructor(
    redisUrl: string,
    keys: KeySpace,
    nodeId: string,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    super(controlTransportOptions(redisUrl, `${nodeId}:control`));
    this.channel = keys.nodeControl(nodeId);
  }

  override getRequestPattern(pattern: string): string {
    return pattern === NODE_CONTROL_ROUTE ? this.channel : pattern;
  }

  override getRouteFromPattern(pattern: string): string {
    return pattern === this.channel ? NODE_CONTROL_ROUTE : super.getRouteFromPattern(pattern);
  }

  /**
   * Subscribes without waiting for Redis: a worker starting while Redis is down still starts
   * (as its heartbeats do), and ioredis sends the subscription once it connects.
   */
  override start(callback?: () => void): void {
    for (const client of [this.subClient, this.pubClient] as RedisClient[]) {
      client.connect().catch((err: unknown) => {
        if (!this.isManuallyClosed)
          this.onError(err instanceof Error ? err : new Error(String(err)));
      });
    }
    // Queued by ioredis until the connection is ready, and sent again after each reconnect.
    this.bindEvents(this.subClient, this.pubClient);
    callback?.();
  }

  /** Never waits for a Redis that is down: a stopping worker must not hang on its control channel. */
  override async close(): Promise<void> {
    this.isManuallyClosed = true;
    await Promise.all([this.pubClient, this.subClient].map((c) => closeClient(c as RedisClient)));
  }

  override createRetryStrategy(times: number): number | undefined {
    return this.isManuallyClosed ? undefined : reconnectDelayMs(times);
  }

  override registerErrorListener(client: { on(event: 'error', fn: (err: Error) => void): void }) {
    client.on('error', this.onError);
  }
}

interface RedisClient {
  status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
}

async function closeClient(client: RedisClient | undefined | null): Promise<void> {
  if (!client) return;
  if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
  else client.disconnect();
}

/** How soon a command is sent again while the transport reconnects. */
const RESEND_AFTER_MS = 100;

/**
 * The transport lost its connection (it rejects with a bare string then) or closed it under a
 * pending request; the node may still answer once it is back.
 */
function isConnectionLoss(err: unknown): boolean {
  const message = typeof err === 'string' ? err : err instanceof Error ? err.message : '';
  return /Connection (lost|closed)|Connection is closed|ECONNREFUSED|ECONNRESET/i.test(message);
}

/** Why a command got no reply. */
export class NodeCommandTimeout extends Error {
  readonly code = 'SY_NODE_TIMEOUT';
  constructor(
    readonly nodeId: string,
    readonly timeoutMs: number,
  ) {
    super(`node ${nodeId} did not answer within ${timeoutMs} ms`);
  }
}

/** The gateway's side: sends a command to one node's control channel and waits for its reply. */
export class NodeControlClient {
  private readonly client: ControlClient;

  constructor(
    redisUrl: string,
    private readonly keys: KeySpace,
    name: string,
    onError: (err: Error) => void = () => undefined,
  ) {
    this.client = new ControlClient(controlTransportOptions(redisUrl, `${name}:control`), onError);
  }

  /**
   * Resolves with the node's reply; rejects with NodeCommandTimeout when none comes in time.
   * While the transport's connection is down the command is sent again until the time is up
   * (commands are idempotent: a node told twice to cordon is cordoned). An error the node's
   * handler threw is passed on.
   */
  async send(nodeId: string, command: NodeCommand, timeoutMs: number): Promise<NodeCommandReply> {
    const request: NodeCommandRequest = { command };
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new NodeCommandTimeout(nodeId, timeoutMs);
      try {
        return await firstValueFrom(
          this.client
            .send<NodeCommandReply, NodeCommandRequest>(this.keys.nodeControl(nodeId), request)
            .pipe(timeout(left)),
        );
      } catch (err) {
        if (err instanceof TimeoutError) throw new NodeCommandTimeout(nodeId, timeoutMs);
        if (!isConnectionLoss(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(RESEND_AFTER_MS, left)));
      }
    }
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

class ControlClient extends ClientRedis {
  constructor(
    options: TransportOptions,
    private readonly onError: (err: Error) => void,
  ) {
    super(options);
  }

  /** Never waits for a Redis that is down: a stopping gateway must not hang here. */
  override async close(): Promise<void> {
    this.isManuallyClosed = true;
    this.handleClose();
    const clients = [this.pubClient, this.subClient] as (RedisClient | null)[];
    this.pubClient = this.subClient = null;
    await Promise.all(clients.map(closeClient));
  }

  override createRetryStrategy(times: number): number | undefined {
    return this.isManuallyClosed ? undefined : reconnectDelayMs(times);
  }

  override registerErrorListener(client: { on(event: 'error', fn: (err: Error) => void): void }) {
    client.on('error', this.onError);
  }
}
