import { parseRedisUrl, type RedisTarget } from '@switchyard/contracts';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/**
 * A connection in any of the three modes. Single and Sentinel are a `Redis`; a Redis Cluster
 * is a `Cluster`, which routes each command to the shard owning its key (MOVED/ASK handled).
 */
export type RedisClient = Redis | Cluster;

/** How the process reaches Redis: one node, a Redis Cluster, or a master found by Sentinel. */
export type RedisMode = 'single' | 'cluster' | 'sentinel';

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
// Two phases: for the first FAST_RECONNECTS attempts (about 8 s of an outage) at most 500 ms
// apart, so requests flow again well within a second of a Redis that restarts (measured
// 0.37-0.42 s from a restart to the first 200, against 2.4-15 s with a 3 s cap); after that
// at most 3 s apart, so a long outage costs a fleet of clients little. Jitter spreads them.
const RECONNECT_FAST_MAX_MS = 500;
const RECONNECT_MAX_MS = 3000;
const FAST_RECONNECTS = 16;
const CONNECT_TIMEOUT_MS = 5000;
/** Plain commands fail after this many reconnect attempts rather than hang a request. */
const PLAIN_MAX_RETRIES_PER_REQUEST = 3;
/** How long `connectRedis` waits for the first answer before the process gives up at boot. */
const DEFAULT_BOOT_WAIT_MS = 30_000;

/** Exponential backoff with jitter (so replicas do not reconnect in lockstep), capped by phase. */
export function reconnectDelayMs(attempt: number): number {
  const cap = attempt <= FAST_RECONNECTS ? RECONNECT_FAST_MAX_MS : RECONNECT_MAX_MS;
  const exp = Math.min(RECONNECT_BASE_MS * 2 ** Math.max(0, attempt - 1), cap);
  return Math.round(exp / 2 + (Math.random() * exp) / 2);
}

/**
 * After a failover the demoted primary answers READONLY (also inside a script or a MULTI,
 * whose EXEC then aborts): reconnect — Sentinel mode asks the sentinels for the new master —
 * and resend the command (2), which the replica never applied.
 */
function reconnectOnReadonly(err: Error): 2 | false {
  return /READONLY/.test(err.message) ? 2 : false;
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
    reconnectOnError: reconnectOnReadonly,
  };
}

function credentials(target: RedisTarget): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  return {
    ...(target.username !== undefined ? { username: target.username } : {}),
    ...(target.password !== undefined ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
}

function clusterOptions(target: RedisTarget, opts: CreateRedisOptions): ClusterOptions {
  const { retryStrategy: _ignored, ...perNode } = redisOptions(opts);
  return {
    clusterRetryStrategy: reconnectDelayMs,
    enableReadyCheck: opts.subscriber !== true,
    enableAutoPipelining: perNode.enableAutoPipelining,
    scaleReads: 'master',
    // A failover or slot migration in progress: wait a little and retry, rather than fail.
    retryDelayOnFailover: 200,
    retryDelayOnTryAgain: 100,
    retryDelayOnClusterDown: 200,
    slotsRefreshTimeout: 2000,
    redisOptions: { ...perNode, ...credentials(target) },
  };
}

function sentinelOptions(target: RedisTarget, opts: CreateRedisOptions): RedisOptions {
  return {
    ...redisOptions(opts),
    ...credentials(target),
    sentinels: target.hosts,
    name: target.masterName,
    role: 'master',
    db: target.db,
    sentinelRetryStrategy: reconnectDelayMs,
    // Listens to the sentinels' +switch-master and reconnects at once, rather than on the next error.
    failoverDetector: true,
    ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/**
 * One client in the mode the URL names, without asking Redis anything: one node
 * (`redis://h:p`, a plain connection even if that node is a cluster member — use
 * `connectRedis` to detect that), cluster seeds (`redis://h1:p1,h2:p2`) or Sentinel
 * (`redis+sentinel://s1:p1/MASTER`). Reconnects forever with capped backoff and
 * resubscribes its channels after a reconnect. The caller owns it (`quit()` when done) and
 * should attach an `error` listener; ioredis prints unhandled connection errors otherwise.
 */
export function createRedis(url: string, opts: CreateRedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  switch (target.kind) {
    case 'single':
      // Exactly today's single-node client: ioredis reads the URL itself (query options too).
      return new Redis(url, redisOptions(opts));
    case 'seeds':
      return new Cluster(target.hosts, clusterOptions(target, opts));
    case 'sentinel':
      return new Redis(sentinelOptions(target, opts));
  }
}

/**
 * Closes a client for good: QUIT when it is connected (pending replies arrive first), at most
 * `timeoutMs`, and a hard disconnect otherwise — a QUIT queued on a client that waits through
 * reconnects forever (BullMQ's) would never resolve while Redis is down.
 */
export async function closeRedis(client: RedisClient, timeoutMs = 2000): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([
      client.quit().then(
        () => undefined,
        () => undefined,
      ),
      timeout,
    ]);
    clearTimeout(timer);
  }
  if (client.status !== 'end') client.disconnect();
}

/** A second connection like `client` (same mode, seeds and credentials) under another name. */
export function duplicateRedis(client: RedisClient, name: string): RedisClient {
  if (client instanceof Cluster) {
    return client.duplicate(undefined, {
      redisOptions: { ...client.options.redisOptions, connectionName: name },
    });
  }
  return client.duplicate({ connectionName: name });
}

/**
 * The connection factory of one process, made once at startup by `connectRedis`: every
 * client (commands, subscribers, BullMQ) comes from `create`, in the mode found then.
 */
export interface RedisConnector {
  readonly mode: RedisMode;
  /** The URL clients are made from (a single-node URL of a cluster member becomes its seed). */
  readonly url: string;
  create(opts?: CreateRedisOptions): RedisClient;
  /** For logs and /readyz: the mode and what it is connected to, e.g. `cluster (3 masters)`. */
  describe(client?: RedisClient): string;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

export function redisConnector(url: string, mode: RedisMode): RedisConnector {
  const target = parseRedisUrl(url);
  const where = target.hosts.map((h) => `${h.host}:${h.port}`).join(',');
  return {
    mode,
    url,
    create: (opts) => createRedis(url, opts),
    describe: (client) => {
      if (mode === 'cluster') {
        const masters = client instanceof Cluster ? client.nodes('master').length : undefined;
        return `cluster (${masters ?? '?'} masters, seeds ${where})`;
      }
      if (mode === 'sentinel') return `sentinel (master "${target.masterName}" via ${where})`;
      return `single (${redact(url).replace(/^rediss?:\/\/(\*\*\*@)?/, '')})`;
    },
  };
}

export interface ConnectRedisOptions {
  /** How long to wait for Redis to answer at boot before throwing (default 30 s). */
  waitMs?: number;
  /** Told once per distinct problem while waiting. */
  onWait?: (problem: string) => void;
}

/**
 * Finds the mode the URL means and returns the process's connection factory. A single-node
 * URL is asked `INFO cluster`: when it says `cluster_enabled:1` every client becomes a
 * cluster client seeded with that node, so any node's URL works. Seeds and Sentinel URLs
 * need no question. Waits (with backoff) for Redis to answer, up to `waitMs`, then throws.
 */
export async function connectRedis(
  url: string,
  opts: ConnectRedisOptions = {},
): Promise<RedisConnector> {
  const target = parseRedisUrl(url);
  if (target.kind === 'seeds') return redisConnector(url, 'cluster');
  if (target.kind === 'sentinel') return redisConnector(url, 'sentinel');
  const deadline = Date.now() + (opts.waitMs ?? DEFAULT_BOOT_WAIT_MS);
  let lastProblem = '';
  for (let attempt = 1; ; attempt++) {
    try {
      const info = await probeInfo(url, 'cluster', CONNECT_TIMEOUT_MS);
      if (!/^cluster_enabled:1\b/m.test(info)) return redisConnector(url, 'single');
      // A trailing comma makes the URL a (one-element) seed list: a cluster client.
      return redisConnector(`${url.replace(/\/\d*$/, '')},`, 'cluster');
    } catch (err) {
      const problem = err instanceof Error ? err.message : String(err);
      if (Date.now() >= deadline) {
        throw new Error(`Redis at ${redact(url)} did not answer: ${problem}`);
      }
      if (problem !== lastProblem) opts.onWait?.(problem);
      lastProblem = problem;
      await new Promise((resolve) => setTimeout(resolve, reconnectDelayMs(attempt)));
    }
  }
}

/** `INFO <section>` from a one-off connection that never retries; throws on any failure. */
async function probeInfo(url: string, section: string, timeoutMs: number): Promise<string> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    disconnectTimeout: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.info(section);
  } finally {
    if (client.status !== 'end') client.disconnect(false);
  }
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
