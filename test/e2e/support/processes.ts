import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The checkout root: found by walking up, so this also works when compiled into dist/ (bench/). */
export const REPO = findRepo(__dirname);
export const BIN = join(REPO, 'bin', 'switchyard');

function findRepo(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'switchyard'))) {
      return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no switchyard checkout above ${from}`);
  }
}

/** Every process `launch` started that has not exited yet. */
const running = new Set<ChildProcess>();

/** Stops every launched process still running (a harness's last resort, e.g. on Ctrl-C). */
export async function stopAllLaunched(graceMs = 5000): Promise<void> {
  await Promise.all([...running].map((proc) => stopProcess(proc, graceMs)));
}

/** SIGKILLs every launched process still running; synchronous, for a `process.on('exit')` hook. */
export function killAllLaunched(): void {
  for (const proc of running) proc.kill('SIGKILL');
}

export interface Launched {
  name: string;
  proc: ChildProcess;
  /** Everything the process wrote, for failure messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Starts `switchyard <args>` as a real process (the built CLI, as an operator runs it). */
export function launch(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Launched {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  proc.stdout?.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
  return {
    name,
    proc,
    output: () => out,
    stop: (graceMs = 5000) => stopProcess(proc, graceMs),
  };
}

export function stopProcess(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export function exited(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
}

/** Every live descendant of a process (walks /proc; Linux only). */
export function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(rest[1]));
    } catch {
      // exited while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill 0; it holds no resources but count it as gone.
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== 'Z';
  } catch {
    return false;
  }
}
