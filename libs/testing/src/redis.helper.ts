import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

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
 * Deletes every key under `prefix`: registry keys (`{reg}` tag), channels' marks and BullMQ
 * queues all live there. Returns how many keys were deleted.
 */
export async function cleanupPrefix(redis: Redis, prefix: string): Promise<number> {
  if (prefix.length === 0) throw new Error('cleanupPrefix: refusing an empty prefix');
  const match = `${escapeGlob(prefix)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}
