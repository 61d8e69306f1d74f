import { randomBytes } from 'node:crypto';
import { Cluster, type Redis } from 'ioredis';

const DEFAULT_TEST_REDIS_URL = 'redis://127.0.0.1:6379';
const SCAN_COUNT = 500;

/** The Redis integration tests use: `REDIS_URL`, or the local default. */
export function testRedisUrl(): string {
  const url = process.env['REDIS_URL'];
  return url !== undefined && url.length > 0 ? url : DEFAULT_TEST_REDIS_URL;
}

/** A key prefix no other test (or developer) uses, e.g. `sytest:1f9c2ab04e7d:`. */
export function randomPrefix(): string {
  return `sytest:${randomBytes(6).toString('hex')}:`;
}

/** Escapes the glob characters of SCAN MATCH, so the prefix matches only itself. */
function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/**
 * Deletes every key under `prefix`: registry keys, channels' marks and BullMQ queues all live
 * there. On a Redis Cluster every master is scanned. Returns how many keys were deleted.
 */
export async function cleanupPrefix(redis: Redis | Cluster, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('cleanupPrefix: refusing an empty prefix');
  if (redis instanceof Cluster) {
    const counts = await Promise.all(
      redis.nodes('master').map((node) => cleanupNode(node, prefix, true)),
    );
    return counts.reduce((a, b) => a + b, 0);
  }
  return cleanupNode(redis, prefix, false);
}

/** One node's keys under `prefix`; on a cluster one UNLINK per key (keys of many slots). */
async function cleanupNode(redis: Redis, prefix: string, perKey: boolean): Promise<number> {
  const match = `${escapeGlob(prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length === 0) continue;
    if (!perKey) deleted += await redis.unlink(...keys);
    else for (const n of await Promise.all(keys.map((k) => redis.unlink(k)))) deleted += n;
  } while (cursor !== '0');
  return deleted;
}
