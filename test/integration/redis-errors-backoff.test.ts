import { Redis } from 'ioredis';
import { NodeJobConsumer } from '@switchyard/cluster';
import { keySpace } from '@switchyard/contracts';
import { randomPrefix, startPrivateRedis, type PrivateRedis } from '@switchyard/testing';

/**
 * A job consumer whose Redis fails every call must back off, not spin: a few log lines per
 * second at most and under 5 % of a core, measured on this process (`process.cpuUsage`)
 * over a window while nothing else runs here.
 */
const WINDOW_MS = 4000;
let redis: PrivateRedis;

beforeAll(async () => {
  redis = await startPrivateRedis();
  const admin = new Redis(redis.url);
  // An ACL user that may connect and ask INFO (the ready check), and nothing else.
  await admin.call(
    'ACL',
    'SETUSER',
    'sy-noperm',
    'on',
    '>pw',
    '~*',
    '&*',
    '-@all',
    '+info',
    '+ping',
    '+client',
    '+hello',
    '+auth',
  );
  await admin.quit();
}, 30000);

afterAll(async () => {
  await redis?.stop();
});

async function measure(url: string, pullShared: boolean, settleMs = 1000) {
  const lines: { message: string; suppressed: number }[] = [];
  const consumer = new NodeJobConsumer(
    url,
    keySpace(randomPrefix()),
    'node-failing',
    {
      concurrency: 4,
      onError: (err, suppressed) => lines.push({ message: err.message, suppressed }),
      errorLogIntervalMs: 1000,
    },
    async () => undefined,
  );
  if (pullShared) consumer.pullShared(['m1', 'm2']);
  try {
    // Past the first attempts, into steady failure.
    await new Promise((r) => setTimeout(r, settleMs));
    const before = lines.length;
    const cpu = process.cpuUsage();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, WINDOW_MS));
    const used = process.cpuUsage(cpu);
    const wallMs = performance.now() - started;
    return {
      cpuShare: (used.user + used.system) / 1000 / wallMs,
      linesPerSecond: ((lines.length - before) * 1000) / wallMs,
      suppressed: lines.reduce((a, l) => a + l.suppressed, 0),
      messages: [...new Set(lines.map((l) => l.message))],
    };
  } finally {
    await consumer.close(0);
  }
}

it('backs off on a Redis that refuses every command (NOPERM)', async () => {
  const url = redis.url.replace('redis://', 'redis://sy-noperm:pw@');
  const r = await measure(url, true);
  expect(r.messages.some((m) => /NOPERM/.test(m))).toBe(true);
  expect(r.linesPerSecond).toBeLessThan(5);
  expect(r.cpuShare).toBeLessThan(0.05);
}, 30000);

it('backs off on a Redis that is down', async () => {
  const down = await startPrivateRedis();
  const url = down.url;
  await down.stop();
  // Past the fast reconnects (~8 s, so a Redis that restarts is back within a second): what a
  // long outage costs.
  const r = await measure(url, true, 9000);
  expect(r.messages.length).toBeGreaterThan(0);
  expect(r.linesPerSecond).toBeLessThan(5);
  expect(r.cpuShare).toBeLessThan(0.05);
}, 30000);
