import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pingRedis } from '@switchyard/cluster';
import { parseRedisUrl } from '@switchyard/contracts';

const TETHER = join(__dirname, 'tether.js');

export interface LocalRedis {
  url: string;
  /** The private redis-server we started, if any. */
  child?: ChildProcess;
}

export const HOW_TO_GET_REDIS = [
  'switchyard needs Redis (6.2 or newer) and none answers at the configured URL, and no',
  '`redis-server` binary is on the PATH to start a private one. Install it with your package',
  'manager (Debian/Ubuntu: `sudo apt-get install redis-server`; macOS: `brew install redis`),',
  'or run one in a container (`docker run -d -p 6379:6379 redis:7`), then run this again;',
  'to use a Redis elsewhere, pass `--redis redis://HOST:PORT` or set REDIS_URL.',
].join('\n');

/** The URL's form; a malformed one counts as single (the config check reports it). */
function redisUrlKind(url: string): string {
  try {
    return parseRedisUrl(url).kind;
  } catch {
    return 'single';
  }
}

/**
 * Uses the Redis at `url` when it answers; otherwise starts a private, non-persistent
 * `redis-server` on a free port when the binary exists; otherwise returns null.
 */
export async function ensureRedis(
  url: string,
  log: (line: string) => void,
): Promise<LocalRedis | null> {
  // Cluster seeds and Sentinel are someone's production Redis: never replaced by a private one.
  if (redisUrlKind(url) !== 'single') return { url };
  if (await pingRedis(url, 1000)) return { url };
  if (!hasRedisServer()) return null;
  const port = await freePort();
  // Through the tether, so Redis stops with `up` whatever ends `up`, even SIGKILL.
  const child = spawn(
    process.execPath,
    [
      TETHER,
      'redis-server',
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    // Its own process group: Ctrl-C reaches `up`, which stops Redis last, after the workers.
    { stdio: ['ignore', 'ignore', 'ignore', 'ipc'], detached: true },
  );
  const privateUrl = `redis://127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    if (await pingRedis(privateUrl, 200)) {
      log(
        `no Redis answered at ${url}; started a private redis-server (no persistence) at ${privateUrl}`,
      );
      return { url: privateUrl, child };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM'); // the tether passes it on to redis-server
  throw new Error(`redis-server did not start on port ${port}`);
}

function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
