import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { AdminNode } from '@switchyard/contracts';
import { AdminApiError, AdminClient } from './admin-client';
import { formatChildLine } from './child-output';
import { intArg } from './commands';
import { accelerators } from './fleet-table';
import { DEFAULT_FLEET, loadFleetFile, nodeCommands, nodeId, type LocalNode } from './local-fleet';
import { freePort, ensureRedis, HOW_TO_GET_REDIS, type LocalRedis } from './local-redis';

const BIN = join(__dirname, '..', '..', '..', '..', 'bin', 'switchyard');
/** How long a stopped child may take (a worker drains) before it is killed. */
const STOP_GRACE_MS = 10_000;
const READY_TIMEOUT_MS = 60_000;
const READY_POLL_MS = 250;
const PARENT_POLL_MS = 500;

interface Child {
  name: string;
  proc: ChildProcess;
}

interface UpFlags {
  port: number;
  redis?: string;
  config?: string;
  prefix?: string;
  fleet?: string;
}

/**
 * `switchyard up`: a whole local cluster in the foreground. Every part is its own process (as
 * in production); this one only starts them, reports each node as it becomes ready, watches
 * them, and on Ctrl-C, SIGTERM, SIGHUP or the death of its own parent stops them layer by
 * layer (gateway, workers, engines, then its private Redis). Every child also watches this
 * process (IPC channel and parent pid) and exits on its own if `up` is killed outright.
 */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('Run a whole local cluster: gateway, simulated engines and their worker-agents')
    .option('--port <n>', 'gateway port', intArg, 8080)
    .option('--redis <url>', 'Redis URL (env REDIS_URL; default redis://127.0.0.1:6379)')
    .option('--config <file>', 'JSON configuration file for the gateway')
    .option(
      '--prefix <prefix>',
      'Redis key prefix of this cluster (env SWITCHYARD_PREFIX; default sy:)',
    )
    .option(
      '--fleet <file>',
      'YAML or JSON list of simulated nodes (engine, model, slots, decodeMs, prefillTps, telemetry, labels, id, count)',
    )
    .action(async (opts: UpFlags) => {
      const fleet = opts.fleet ? loadFleetFile(opts.fleet) : DEFAULT_FLEET;
      const wanted = opts.redis ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
      const redis = await ensureRedis(wanted, say);
      if (!redis) {
        process.stderr.write(`${HOW_TO_GET_REDIS}\n`);
        process.exit(1);
      }
      await runCluster(opts, fleet, redis);
    });
}

function say(line: string): void {
  process.stderr.write(`switchyard: ${line}\n`);
}

async function runCluster(opts: UpFlags, fleet: readonly LocalNode[], redis: LocalRedis) {
  const env = {
    ...process.env,
    REDIS_URL: redis.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    ...(opts.prefix !== undefined ? { SWITCHYARD_PREFIX: opts.prefix } : {}),
  };
  const layers = { gateway: [] as Child[], workers: [] as Child[], engines: [] as Child[] };
  let stopping = false;
  const stopAll = async (code: number, why: string) => {
    if (stopping) return;
    stopping = true;
    say(`stopping (${why})…`);
    // Gateway first (no new work), then the workers drain, then engines, then Redis.
    for (const layer of [layers.gateway, layers.workers, layers.engines]) {
      await Promise.all(layer.map(stopChild));
    }
    if (redis.child) await stopChild({ name: 'redis', proc: redis.child });
    process.exit(code);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => void stopAll(0, signal));
  }
  watchParent(() => void stopAll(1, 'parent exited'));

  const start = (layer: Child[], name: string, args: string[]) => {
    const proc = spawn(process.execPath, [BIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env,
      detached: true,
    });
    for (const stream of [proc.stdout, proc.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream }).on('line', (line) => {
        const shown = formatChildLine(name, line);
        if (shown !== null) process.stderr.write(`${shown}\n`);
      });
    }
    proc.on('exit', (code, signal) => {
      if (stopping) return;
      say(`${name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the cluster`);
      void stopAll(1, `${name} exited`);
    });
    layer.push({ name, proc });
  };

  const ids = fleet.map(nodeId);
  say(
    `starting ${fleet.length} simulated node(s) (${ids.join(', ')}) on Redis ${redis.url}` +
      (opts.prefix !== undefined ? ` under prefix ${opts.prefix}` : ''),
  );
  for (const [i, node] of fleet.entries()) {
    const ports = {
      inference: await freePort(),
      management: await freePort(),
      metrics: await freePort(),
    };
    const commands = nodeCommands(node, i, ports);
    start(layers.engines, `sim-${i}`, commands.sim);
    start(layers.workers, `worker-${i}`, commands.worker);
  }
  start(layers.gateway, 'gateway', [
    'gateway',
    '--port',
    String(opts.port),
    ...(opts.config ? ['--config', opts.config] : []),
  ]);

  const base = `http://127.0.0.1:${opts.port}`;
  const missing = await reportReadiness(
    new AdminClient(base, process.env.SWITCHYARD_ADMIN_KEY),
    ids,
  );
  if (stopping) return;
  if (missing.length > 0) {
    say(
      `not every node became ready within ${READY_TIMEOUT_MS / 1000} s: ${missing.join('; ')}; see the logs above`,
    );
    return;
  }
  say(`ready at ${base}: ${fleet.length} node(s) (Redis ${redis.url})`);
  const model = fleet[0]!.model;
  say(
    `try: curl -N ${base}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"${model}","stream":true,"messages":[{"role":"user","content":"Hello"}]}'`,
  );
  say(`watch: switchyard status --gateway ${base} --watch, or open ${base}/ui; Ctrl-C stops`);
}

/**
 * Prints one line per node as the gateway first sees it ready, until all are; returns what
 * is still missing (id and state) when the time is up.
 */
async function reportReadiness(api: AdminClient, ids: readonly string[]): Promise<string[]> {
  const seen = new Set<string>();
  let last: AdminNode[] = [];
  const until = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < until) {
    try {
      last = await api.nodes();
    } catch (err) {
      // A gateway configured with an admin key this process was not given: say how, once.
      if (err instanceof AdminApiError && (err.status === 401 || err.status === 403)) {
        say(`cannot follow the nodes (${err.message}); set SWITCHYARD_ADMIN_KEY for up as well`);
        return [...ids.filter((id) => !seen.has(id))].map((id) => `${id} unknown`);
      }
      // otherwise the gateway does not listen yet
    }
    for (const n of last) {
      if (n.state !== 'ready' || seen.has(n.id) || !ids.includes(n.id)) continue;
      seen.add(n.id);
      const devices = n.accelerators.length > 0 ? `, ${accelerators(n.accelerators)}` : '';
      say(
        `node ${n.id} ready (${n.engine}, ${n.models.join(',')}, ${n.slots.total} slots${devices}) [${seen.size}/${ids.length}]`,
      );
    }
    if (seen.size === ids.length) return [];
    await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
  }
  return ids
    .filter((id) => !seen.has(id))
    .map((id) => {
      const n = last.find((x) => x.id === id);
      return n
        ? `${id} ${n.state}${n.stateReason ? ` (${n.stateReason})` : ''}`
        : `${id} not registered`;
    });
}

/** Calls `gone` when the process that started `up` dies (re-parented, or its IPC channel closed). */
function watchParent(gone: () => void): void {
  const parent = process.ppid;
  const poll = setInterval(() => {
    if (process.ppid !== parent) gone();
  }, PARENT_POLL_MS);
  poll.unref();
  if (process.send) process.on('disconnect', gone);
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
