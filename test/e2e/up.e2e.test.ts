import { spawn } from 'node:child_process';
import { mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@switchyard/testing';
import { BIN, REPO, descendants, exited, isAlive } from './support/processes';

/**
 * The README's quick start on a machine where Redis is not running but `redis-server` is
 * installed: `npm start` brings up a whole cluster with a private Redis, the README's curl
 * streams a reply, and Ctrl-C leaves no process behind.
 */
it('npm start: private Redis, a streamed reply, and nothing left after Ctrl-C', async () => {
  const port = await freePort();
  const deadRedis = await freePort(); // nothing listens here
  const npm = spawn('npm', ['start', '--silent', '--', '--port', String(port)], {
    cwd: REPO,
    env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${deadRedis}`, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, like a terminal's foreground job, so we can Ctrl-C all of it.
    detached: true,
  });
  let output = '';
  npm.stdout.on('data', (b: Buffer) => (output += b.toString()));
  npm.stderr.on('data', (b: Buffer) => (output += b.toString()));
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok, {
      timeoutMs: 90000,
      intervalMs: 250,
      what: `the cluster to be ready\n${output}`,
    });
    expect(output).toMatch(/started a private redis-server/);

    // The README's curl: a streamed chat completion.
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'tiny-llama',
        stream: true,
        messages: [{ role: 'user', content: 'Hello' }],
      }),
    });
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/"content":"[^"]+"/);
    expect(body.trimEnd().endsWith('data: [DONE]')).toBe(true);

    const family = descendants(npm.pid!);
    expect(family.length).toBeGreaterThanOrEqual(6); // up, redis, 2 sims, 2 workers, gateway
    process.kill(-npm.pid!, 'SIGINT');
    await exited(npm);
    await waitFor(() => family.every((pid) => !isAlive(pid)), {
      timeoutMs: 15000,
      intervalMs: 100,
      what: 'every child to exit',
    });
  } finally {
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
  }
}, 180000);

it('up without Redis and without redis-server says how to get Redis and exits 1', async () => {
  const deadRedis = await freePort();
  // A PATH holding only node, so no redis-server can be found.
  const bare = mkdtempSync(join(tmpdir(), 'sy-path-'));
  symlinkSync(process.execPath, join(bare, 'node'));
  const proc = spawn(process.execPath, [BIN, 'up', '--port', String(await freePort())], {
    cwd: REPO,
    env: { PATH: bare, REDIS_URL: `redis://127.0.0.1:${deadRedis}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stderr.on('data', (b: Buffer) => (output += b.toString()));
  try {
    expect(await exited(proc)).toBe(1);
  } finally {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  }
  expect(output).toMatch(/needs Redis/);
  expect(output).toMatch(/apt-get install redis-server/);
  expect(output).toMatch(/--redis redis:\/\/HOST:PORT/);
}, 30000);
