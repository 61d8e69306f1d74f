import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { pingRedis } from '@switchyard/cluster';
import { freePort } from './free-port';

export interface PrivateRedis {
  readonly url: string;
  readonly port: number;
  /** SIGTERM, and waits until the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL, without waiting: a crash. */
  kill9(): void;
  /** Stops it if running, then starts it again, empty, on the same port. */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5000;
const OUTPUT_TAIL_CHARS = 2000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A throwaway `redis-server` on a free port, without persistence, for tests that break
 * Redis on purpose. Needs `redis-server` on PATH.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let output = '';

  const killOnExit = (): void => {
    child?.kill('SIGKILL');
  };

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--bind',
        '127.0.0.1',
        '--dir',
        tmpdir(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    const keepTail = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
    };
    proc.stdout?.on('data', keepTail);
    proc.stderr?.on('data', keepTail);
    let failure: Error | undefined;
    proc.once('error', (err) => {
      failure = new Error(
        `cannot start redis-server (is it installed and on PATH?): ${err.message}`,
      );
    });
    proc.once('exit', (code, signal) => {
      failure ??= new Error(
        `redis-server exited early (code ${code}, signal ${signal}): ${output}`,
      );
    });
    process.once('exit', killOnExit);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await pingRedis(url, 200))) {
      if (failure) throw failure;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        throw new Error(
          `redis-server on port ${port} did not answer PING within ${READY_TIMEOUT_MS} ms: ${output}`,
        );
      }
      await sleep(25);
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    process.off('exit', killOnExit);
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  await launch();
  return {
    url,
    port,
    stop,
    kill9: () => {
      child?.kill('SIGKILL');
    },
    restart: async () => {
      await stop();
      await launch();
    },
  };
}
