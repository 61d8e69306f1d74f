import { keySpace, type KeySpace } from '@switchyard/contracts';
import { createRedis } from '@switchyard/cluster';
import { cleanupPrefix, randomPrefix, Teardown, testRedisUrl } from '@switchyard/testing';
import type { RedisClient } from '@switchyard/cluster';

export interface RedisContext {
  url: string;
  prefix: string;
  keys: KeySpace;
  /** Commands (not subscribed); also used for cleanup. */
  redis: RedisClient;
  /** A fresh connection the test owns (closed after the test). */
  connect(name: string, opts?: { forBullmq?: boolean }): RedisClient;
  /** Runs after the test, before the prefix is cleaned up and connections are closed. */
  teardown: Teardown;
}

/**
 * Per test: a random key prefix, a command connection, and a teardown that closes what the
 * test registered, deletes every key under the prefix and quits every connection.
 */
export function useRedisContext(): RedisContext {
  const ctx = {} as RedisContext;
  let connections: RedisClient[] = [];

  beforeEach(() => {
    connections = [];
    ctx.url = testRedisUrl();
    ctx.prefix = randomPrefix();
    ctx.keys = keySpace(ctx.prefix);
    ctx.teardown = new Teardown();
    ctx.connect = (name, opts = {}) => {
      const conn = createRedis(ctx.url, { name: `sytest-${name}`, ...opts });
      connections.push(conn);
      return conn;
    };
    ctx.redis = ctx.connect('cmd');
  });

  afterEach(async () => {
    try {
      await ctx.teardown.run();
    } finally {
      await cleanupPrefix(ctx.redis, ctx.prefix);
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    }
  });

  return ctx;
}
