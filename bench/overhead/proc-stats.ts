import { readFileSync } from 'node:fs';

/**
 * What the benchmark reads about a process from outside: CPU time and resident memory from
 * /proc (Linux only), and the Prometheus text of a /metrics endpoint.
 */

/** Clock ticks per second for /proc/<pid>/stat times; 100 on every Linux we run on. */
const TICKS_PER_S = 100;

/** User + system CPU time of a process so far, in ms (10 ms resolution). */
export function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    return ((utime + stime) * 1000) / TICKS_PER_S;
  } catch {
    return NaN;
  }
}

/** Resident set size (VmRSS) in bytes. */
export function rssBytes(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export function commandName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

/** CPU time of several processes, read together. */
export type CpuSnapshot<K extends string> = Record<K, number>;

export function cpuSnapshot<K extends string>(pids: Record<K, number | undefined>): CpuSnapshot<K> {
  const out = {} as CpuSnapshot<K>;
  for (const key of Object.keys(pids) as K[]) out[key] = cpuMs(pids[key]);
  return out;
}

/** Unlabelled samples of a Prometheus text exposition, by metric name. */
export async function scrapeMetrics(url: string): Promise<Map<string, number>> {
  const res = await fetch(url);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? ([^ ]+)/.exec(line);
    if (m && !m[2]) values.set(m[1]!, Number(m[3]));
  }
  return values;
}
