import { Redis, type RedisOptions } from 'ioredis';

export interface CreateRedisOptions {
  /** Shown by `CLIENT LIST` (no spaces), so an operator can tell the connections apart. */
  name?: string;
  /**
   * A connection BullMQ will use (or duplicate) for a Worker: commands then wait through
   * reconnects instead of failing, as BullMQ requires for its blocking connections.
   */
  forBullmq?: boolean;
  /**
   * A connection that will only SUBSCRIBE. ioredis's ready check (INFO) can race a SUBSCRIBE
   * sent on connect and fail with "Connection in subscriber mode", so it is skipped here.
   */
  subscriber?: boolean;
}

const RECONNECT_BASE_MS = 100;
// Short, so requests flow again well within a second of Redis answering (measured 0.37-0.42 s
// from a restart to the first 200, against 2.4-15 s with a 3 s cap); jitter spreads a fleet.
const RECONNECT_MAX_MS = 500;
const CONNECT_TIMEOUT_MS = 5000;
/** Plain commands fail after this many reconnect attempts rather than hang a request. */
const PLAIN_MAX_RETRIES_PER_REQUEST = 3;

/** Exponential backoff capped at RECONNECT_MAX_MS, with jitter so replicas do not reconnect in lockstep. */
export function reconnectDelayMs(attempt: number): number {
  const exp = Math.min(RECONNECT_BASE_MS * 2 ** Math.max(0, attempt - 1), RECONNECT_MAX_MS);
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

function redisOptions(opts: CreateRedisOptions): RedisOptions {
  return {
    connectionName: opts.name,
    lazyConnect: false,
    // Waits for a loading Redis (after restart with persistence) to be usable before commands run.
    enableReadyCheck: opts.subscriber !== true,
    maxRetriesPerRequest: opts.forBullmq === true ? null : PLAIN_MAX_RETRIES_PER_REQUEST,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: reconnectDelayMs,
    // Commands issued in the same tick leave in one write: under load the hot path's EVALSHAs,
    // ZREMs and PUBLISHes of many requests share syscalls (a write was ~100 µs of CPU each in
    // the overhead profile). Not for subscribers, nor for BullMQ's connections.
    enableAutoPipelining: opts.subscriber !== true && opts.forBullmq !== true,
    // After a failover the old primary answers READONLY until we reconnect to the new one.
    reconnectOnError: (err) => err.message.startsWith('READONLY'),
  };
}

/**
 * A connection that reconnects forever with capped backoff and resubscribes its channels
 * after a reconnect. The caller owns it (`quit()` when done) and should attach an
 * `error` listener for logging; ioredis prints unhandled connection errors otherwise.
 */
export function createRedis(url: string, opts: CreateRedisOptions = {}): Redis {
  return new Redis(url, redisOptions(opts));
}

/** True when a Redis at `url` answers PING within `timeoutMs`. Never throws, leaves nothing open. */
export async function pingRedis(url: string, timeoutMs: number): Promise<boolean> {
  let client: Redis;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: timeoutMs,
      retryStrategy: () => null,
      reconnectOnError: () => false,
      // A probe has nothing to flush: drop the socket at once instead of a 2 s graceful end.
      disconnectTimeout: 0,
    });
  } catch {
    return false;
  }
  // Failures are the answer here, not something to log.
  client.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const ping = (async (): Promise<boolean> => {
    await client.connect();
    return (await client.ping()) === 'PONG';
  })().catch(() => false);
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
    // ioredis arms a timer it never clears when asked to disconnect an already closed client.
    if (client.status !== 'end') client.disconnect(false);
  }
}
