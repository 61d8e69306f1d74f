import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import type { Pool } from 'undici';
import { chatBody, timedCall } from './load';
import { SHORT_TOKENS } from './phase-latency';
import { MODEL } from './targets';

/**
 * Redis commands per request on the Switchyard path. Two independent counts of the same
 * window: `INFO commandstats` before and after (which counts a command a Lua script runs as a
 * call of its own, besides the EVAL/EVALSHA that ran it), and MONITOR, whose lines say who
 * sent each command (a client address, or `lua` for a script), so client round trips and
 * script-internal commands can be told apart. An idle window of the same cluster first gives
 * the background (heartbeats, BullMQ's blocking waits), which the corrected figure subtracts.
 */
export interface CommandCount {
  command: string;
  /** Per request, from commandstats, background subtracted. */
  stats: number;
  /** Per request, from MONITOR, sent by a client (background subtracted). */
  client: number;
  /** Per request, from MONITOR, run inside a script (background subtracted). */
  lua: number;
}

export interface RedisResult {
  requests: number;
  failed: number;
  blockS: number;
  idleS: number;
  /** commandstats calls during the block / requests, background not subtracted. */
  rawPerRequest: number;
  /** commandstats calls per second while idle. */
  backgroundPerS: number;
  perRequest: number;
  clientPerRequest: number;
  luaPerRequest: number;
  commands: CommandCount[];
}

/** Our own INFO and MONITOR calls are not Switchyard's. */
const OWN = new Set(['info', 'monitor']);

export async function runRedis(
  gateway: Pool,
  redisUrl: string,
  prefix: string,
  opts: { requests: number; idleS: number },
): Promise<RedisResult> {
  const client = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  const monitor = await client.monitor();
  let counting: Map<string, { client: number; lua: number }> | undefined;
  const scriptNames = bullmqScriptNames();
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!counting) return;
    const name = label(args, scriptNames, prefix);
    if (OWN.has(name)) return;
    const c = counting.get(name) ?? { client: 0, lua: 0 };
    if (source === 'lua') c.lua++;
    else c.client++;
    counting.set(name, c);
  });
  try {
    const window = async (run: () => Promise<void>) => {
      const seen = new Map<string, { client: number; lua: number }>();
      const before = parseCommandStats(await client.info('commandstats'));
      counting = seen;
      const t0 = performance.now();
      await run();
      const seconds = (performance.now() - t0) / 1000;
      // Let MONITOR deliver what the last request caused before we stop counting.
      await new Promise((r) => setTimeout(r, 50));
      counting = undefined;
      const after = parseCommandStats(await client.info('commandstats'));
      const stats = new Map<string, number>();
      for (const [name, calls] of after) {
        const delta = calls - (before.get(name) ?? 0);
        if (delta > 0 && !OWN.has(name)) stats.set(name, delta);
      }
      return { seconds, stats, seen };
    };
    const idle = await window(() => new Promise((r) => setTimeout(r, opts.idleS * 1000)));
    const body = chatBody(MODEL, SHORT_TOKENS, false);
    let failed = 0;
    const block = await window(async () => {
      for (let i = 0; i < opts.requests; i++) {
        if (!Number.isFinite(await timedCall(gateway, body))) failed++;
      }
    });
    const n = opts.requests;
    const scale = block.seconds / idle.seconds;
    const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
    const names = new Set([...block.stats.keys(), ...block.seen.keys()]);
    const commands = [...names].map((command): CommandCount => {
      const b = block.seen.get(command) ?? { client: 0, lua: 0 };
      const i = idle.seen.get(command) ?? { client: 0, lua: 0 };
      const statsName = command.startsWith('evalsha ')
        ? 'evalsha'
        : command.startsWith('eval ')
          ? 'eval'
          : command;
      const stats =
        statsName === command
          ? ((block.stats.get(command) ?? 0) - (idle.stats.get(command) ?? 0) * scale) / n
          : NaN;
      return {
        command,
        stats,
        client: (b.client - i.client * scale) / n,
        lua: (b.lua - i.lua * scale) / n,
      };
    });
    const weight = (c: CommandCount): number =>
      Math.max(Number.isFinite(c.stats) ? c.stats : 0, c.client + c.lua);
    commands.sort((a, b) => weight(b) - weight(a));
    const monitorTotal = (m: Map<string, { client: number; lua: number }>, key: 'client' | 'lua') =>
      [...m.values()].reduce((a, c) => a + c[key], 0);
    return {
      requests: n,
      failed,
      blockS: block.seconds,
      idleS: idle.seconds,
      rawPerRequest: sum(block.stats) / n,
      backgroundPerS: sum(idle.stats) / idle.seconds,
      perRequest: (sum(block.stats) - sum(idle.stats) * scale) / n,
      clientPerRequest:
        (monitorTotal(block.seen, 'client') - monitorTotal(idle.seen, 'client') * scale) / n,
      luaPerRequest: (monitorTotal(block.seen, 'lua') - monitorTotal(idle.seen, 'lua') * scale) / n,
      commands,
    };
  } finally {
    monitor.disconnect();
    client.disconnect();
  }
}

/** `cmdstat_<name>:calls=N,…` lines; names as Redis reports them (`client|setname`). */
export function parseCommandStats(info: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1]!, Number(m[2]));
  return out;
}

/** A MONITOR line's command, with scripts named: BullMQ's by their sha, ours by their key. */
function label(args: readonly string[], scripts: Map<string, string>, prefix: string): string {
  const cmd = (args[0] ?? '').toLowerCase();
  if (cmd === 'evalsha') return `evalsha ${scripts.get(args[1] ?? '') ?? args[1]?.slice(0, 8)}`;
  if (cmd === 'eval') return `eval ${keyShape(args[3] ?? '', prefix)}`;
  return cmd;
}

/** `sy:reservations:node-1` → `reservations:*`: a key's shape without prefix and ids. */
function keyShape(key: string, prefix: string): string {
  const bare = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  const [head] = bare.split(':');
  return bare.includes(':') ? `${head}:*` : (head ?? '');
}

/** BullMQ runs its Lua through EVALSHA; the sha is the SHA-1 of the script's text. */
function bullmqScriptNames(): Map<string, string> {
  const names = new Map<string, string>();
  try {
    const load = createRequire(__filename);
    const scripts = load('bullmq/dist/cjs/scripts') as Record<
      string,
      { name?: string; content?: string }
    >;
    for (const s of Object.values(scripts)) {
      if (s.name && s.content)
        names.set(createHash('sha1').update(s.content).digest('hex'), s.name);
    }
  } catch {
    // names stay shas
  }
  return names;
}
