/*
 * What `switchyard up` shows of its children's output: their start banners are dropped (`up`
 * reports progress itself, one line per node), and their JSON log lines become one readable
 * line each — `worker-0 WARN engine not ready; node back to warming (reason=…)`.
 */

const BANNER = /^switchyard (sim|worker|gateway) .*(listening on|started)/;

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every pino line carries, not worth repeating on a terminal. */
const NOISE = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'context']);

/** The line to print for one line of a child's output, or null to drop it. */
export function formatChildLine(child: string, line: string): string | null {
  const text = line.trimEnd();
  if (text === '' || BANNER.test(text)) return null;
  if (!text.startsWith('{')) return `${child} ${text}`;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return `${child} ${text}`;
  }
  const level = LEVELS[Number(entry.level)] ?? 'LOG';
  const extra = Object.entries(entry)
    .filter(([k]) => !NOISE.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  const msg = typeof entry.msg === 'string' ? entry.msg : '';
  return `${child} ${level} ${msg}${extra.length > 0 ? ` (${extra.join(', ')})` : ''}`;
}
