/**
 * The one Redis setting (`--redis` / `REDIS_URL`) in its three forms:
 *
 * - `redis[s]://[user:pass@]host:port[/db]` — one node. When that node reports
 *   `cluster_enabled:1` the process uses a cluster client seeded with it.
 * - `redis[s]://[user:pass@]h1:p1,h2:p2,…` — seed nodes of a Redis Cluster.
 * - `redis[s]+sentinel://[user:pass@]s1:p1[,s2:p2…]/MASTER_NAME[/db]` — Sentinel: the
 *   credentials and TLS are the data nodes'; sentinels are asked for the master's address.
 *
 * Credentials (and the ACL user) apply in every form. Pure parsing: no I/O.
 */
export type RedisUrlKind = 'single' | 'seeds' | 'sentinel';

export interface RedisEndpoint {
  host: string;
  port: number;
}

export interface RedisTarget {
  kind: RedisUrlKind;
  tls: boolean;
  username?: string;
  password?: string;
  /** Database number (single and sentinel only: a cluster has just 0). */
  db: number;
  hosts: RedisEndpoint[];
  /** The Sentinel master name (sentinel only). */
  masterName?: string;
}

const URL_SHAPE = /^(rediss?)(\+sentinel)?:\/\/(?:([^@/?#]*)@)?([^/?#]+)(?:\/([^?#]*))?(?:\?.*)?$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/;

function endpoint(text: string, defaultPort: number): RedisEndpoint {
  const m = HOST_PORT.exec(text);
  const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`bad host:port "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

/** Parses the Redis setting; throws an Error saying what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = URL_SHAPE.exec(url.trim());
  if (!m) {
    throw new Error(
      'must be redis[s]://host:port, redis[s]://h1:p1,h2:p2 (cluster seeds) or redis[s]+sentinel://s1:p1[,s2:p2]/MASTER',
    );
  }
  const [, scheme, sentinel, userinfo, hostList, path] = m;
  const kind: RedisUrlKind = sentinel ? 'sentinel' : hostList!.includes(',') ? 'seeds' : 'single';
  const hosts = hostList!
    .split(',')
    .filter((h) => h.length > 0)
    .map((h) => endpoint(h, kind === 'sentinel' ? 26379 : 6379));
  if (hosts.length === 0) throw new Error('names no host');
  const target: RedisTarget = { kind, tls: scheme === 'rediss', db: 0, hosts };
  if (userinfo !== undefined && userinfo.length > 0) {
    const colon = userinfo.indexOf(':');
    const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
    const pass = colon < 0 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
    // `redis://:pass@h` is a password alone; `redis://pass@h` too, as ioredis reads it.
    if (colon < 0) target.password = user;
    else {
      if (user.length > 0) target.username = user;
      if (pass.length > 0) target.password = pass;
    }
  }
  const segments = (path ?? '').split('/').filter((s) => s.length > 0);
  if (kind === 'sentinel') {
    const [name, db] = segments;
    if (name === undefined) throw new Error('a sentinel URL needs the master name: …/MASTER');
    target.masterName = decodeURIComponent(name);
    if (db !== undefined) target.db = parseDb(db);
  } else if (segments.length > 0) {
    target.db = parseDb(segments[0]!);
    if (kind === 'seeds' && target.db !== 0) throw new Error('a Redis Cluster has only db 0');
  }
  return target;
}

function parseDb(text: string): number {
  if (!/^\d{1,2}$/.test(text)) throw new Error(`bad database number "${text}"`);
  return Number(text);
}
