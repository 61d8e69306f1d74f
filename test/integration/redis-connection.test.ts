import { createServer, type Server, type Socket } from 'node:net';
import { createRedis, pingRedis } from '@switchyard/cluster';
import { Redis } from 'ioredis';
import { freePort, testRedisUrl } from '@switchyard/testing';

describe('redis connection', () => {
  it('pingRedis is true for a live Redis', async () => {
    expect(await pingRedis(testRedisUrl(), 2000)).toBe(true);
  });

  it('pingRedis is false, fast, when nothing listens', async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await pingRedis(`redis://127.0.0.1:${port}`, 2000)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('pingRedis is false after the timeout when the server never answers', async () => {
    const sockets: Socket[] = [];
    let hungUp = 0;
    const server: Server = createServer((s) => {
      sockets.push(s);
      s.on('close', () => hungUp++);
      s.resume();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const started = Date.now();
      expect(await pingRedis(`redis://127.0.0.1:${port}`, 300)).toBe(false);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      // The client must have hung up: nothing may linger after a failed ping.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(sockets.length).toBeGreaterThan(0);
      expect(hungUp).toBe(sockets.length);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('pingRedis is false for a malformed URL', async () => {
    expect(await pingRedis('redis://127.0.0.1:notaport', 300)).toBe(false);
  });

  it('createRedis sets the BullMQ-required options and a connection name', async () => {
    const plain = createRedis(testRedisUrl(), { name: 'sytest-plain' });
    const bull = createRedis(testRedisUrl(), { name: 'sytest-bull', forBullmq: true });
    try {
      // A single-node URL makes a plain client; only connectRedis asks whether it is a cluster.
      if (!(plain instanceof Redis) || !(bull instanceof Redis)) throw new Error('not a Redis');
      expect(bull.options.maxRetriesPerRequest).toBeNull();
      expect(plain.options.maxRetriesPerRequest).toBeGreaterThan(0);
      expect(plain.options.lazyConnect).toBe(false);
      expect(await plain.client('GETNAME')).toBe('sytest-plain');
      const delays = [1, 2, 5, 10, 50].map((n) => plain.options.retryStrategy?.(n) ?? -1);
      expect(Math.max(...delays)).toBeLessThanOrEqual(3000);
      expect(Math.min(...delays)).toBeGreaterThan(0);
    } finally {
      await plain.quit();
      await bull.quit();
    }
  });
});
