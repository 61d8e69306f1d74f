import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './free-port';

/**
 * The genuine llama.cpp server shipped beside the repository (`../shared/engines/llamacpp`, a
 * CPU build with two tiny random-weight models), or `$LLAMA_SERVER`. Tests that use it skip,
 * saying why, when it is absent; they never fail for that reason.
 */
const SHARED = path.resolve(__dirname, '../../../../shared/engines/llamacpp');
export const REAL_LLAMA_SERVER = process.env.LLAMA_SERVER ?? path.join(SHARED, 'llama-server');
const MODELS = path.join(path.dirname(REAL_LLAMA_SERVER), 'models');

/** Why real-server tests cannot run here, or null when they can. */
export function realLlamaServerMissing(): string | null {
  if (!existsSync(REAL_LLAMA_SERVER))
    return `no llama-server at ${REAL_LLAMA_SERVER} (set LLAMA_SERVER or add ../shared/engines/llamacpp)`;
  if (!existsSync(path.join(MODELS, 'tiny.gguf'))) return `no models beside ${REAL_LLAMA_SERVER}`;
  return null;
}

export interface RealLlamaServerOptions {
  /** `tiny` completes normally; `tiny-raw` often fails a stream mid-way (invalid UTF-8). */
  model?: 'tiny' | 'tiny-raw';
  /** Parallel slots (`-np`). */
  slots?: number;
  /** Whole context (`-c`), shared between the slots. */
  ctx?: number;
  /** `--embeddings --pooling mean`. */
  embeddings?: boolean;
  /** false: `--no-jinja` (tools refused). Default: the server's own default (jinja on). */
  jinja?: boolean;
  alias?: string;
  threads?: number;
  /** Resolve once /health answers 200 (default), or as soon as the process is spawned. */
  waitReady?: boolean;
}

export interface RealLlamaServer {
  url: string;
  port: number;
  /** What the server printed, for a failing test's message. */
  output(): string;
  close(): Promise<void>;
}

/** Starts one real llama-server on a free port; small, single-threaded, metrics and slots on. */
export async function startRealLlamaServer(
  opts: RealLlamaServerOptions = {},
): Promise<RealLlamaServer> {
  const missing = realLlamaServerMissing();
  if (missing !== null) throw new Error(missing);
  const port = await freePort();
  const args = [
    ...['-m', path.join(MODELS, `${opts.model ?? 'tiny'}.gguf`)],
    ...['--host', '127.0.0.1', '--port', String(port)],
    ...['-c', String(opts.ctx ?? 1024), '-np', String(opts.slots ?? 2)],
    ...['--threads', String(opts.threads ?? 1), '--threads-batch', String(opts.threads ?? 1)],
    ...['-a', opts.alias ?? 'tiny-llama', '--metrics', '--slots'],
    ...(opts.embeddings === true ? ['--embeddings', '--pooling', 'mean'] : []),
    ...(opts.jinja === false ? ['--no-jinja'] : opts.jinja === true ? ['--jinja'] : []),
  ];
  const child = spawn(REAL_LLAMA_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const server: RealLlamaServer = {
    url: `http://127.0.0.1:${port}`,
    port,
    output: () => output,
    close: () => stop(child),
  };
  if (opts.waitReady === false) return server;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited: ${output.slice(-2000)}`);
    const ok = await fetch(`${server.url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return server;
    if (Date.now() > deadline) {
      await server.close();
      throw new Error(`llama-server not ready within 30 s: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
