import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Command } from 'commander';
import { freePort, ensureRedis, HOW_TO_GET_REDIS } from './local-redis';
import { intArg } from './commands';
import { DEFAULT_FLEET, nodeCommands } from './local-fleet';

const BIN = join(__dirname, '..', '..', '..', '..', 'bin', 'switchyard');
const STOP_GRACE_MS = 10_000;

interface Child {
  name: string;
  proc: ChildProcess;
}

/**
 * `switchyard up`: a whole local cluster in the foreground. Every part is its own process
 * (as in production); this one only starts them in order, watches them, and on Ctrl-C or
 * SIGTERM stops them in reverse order so nothing is left behind.
 */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run a whole local cluster: gateway, simulated engines and their worker-agents')
    .option('--port <n>', 'gateway port', intArg, 8080)
    .option('--redis <url>', 'Redis URL (env REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--config <file>', 'JSON configuration file for the gateway')
    .action(async (opts: { port: number; redis?: string; config?: string }) => {
      const say = (line: string) => process.stderr.write(`switchyard: ${line}\n`);
      const wanted = opts.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      const redis = await ensureRedis(wanted, say);
      if (!redis) {
        process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
        process.exit(1);
      }
      const children: Child[] = [];
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      };
      let stopping = false;

      const stopAll = async (code: number) => {
        if (stopping) return;
        stopping = true;
        say('stopping…');
        // Reverse start order: gateway first (no new work), then workers drain, then engines.
        for (const child of [...children].reverse()) await stopChild(child);
        if (redis.child) await stopChild({ name: 'redis', proc: redis.child });
        process.exit(code);
      };
      process.on('SIGINT', () => void stopAll(0));
      process.on('SIGTERM', () => void stopAll(0));

      const start = (name: string, args: string[]) => {
        const proc = spawn(process.execPath, [BIN, ...args], {
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
          env,
          detached: true,
        });
        proc.on('exit', (code, signal) => {
          if (stopping) return;
          say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the cluster`);
          void stopAll(1);
        });
        children.push({ name, proc });
      };

      for (const [i, node] of DEFAULT_FLEET.entries()) {
        const ports = {
          inference: await freePort(),
          management: await freePort(),
          metrics: await freePort(),
        };
        const commands = nodeCommands(node, i, ports);
        start(`sim-${i}`, commands.sim);
        start(`worker-${i}`, commands.worker);
      }
      start('gateway', [
        'gateway',
        '--port',
        String(opts.port),
        ...(opts.config ? ['--config', opts.config] : []),
      ]);

      const base = `http://127.0.0.1:${opts.port}`;
      if (await waitReady(`${base}/readyz`, 30_000)) {
        say(
          `cluster ready at ${base} (simulated ${DEFAULT_FLEET.map((n) => n.engine).join(', ')} nodes; Redis ${redis.url})`,
        );
        say(
          `try: curl -N ${base}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"tiny-llama","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
        );
        say('press Ctrl-C to stop');
      } else {
        say(`the gateway at ${base} did not become ready within 30 s; see the logs above`);
      }
    });
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

function stopChild({ proc }: Child): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), STOP_GRACE_MS);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}
