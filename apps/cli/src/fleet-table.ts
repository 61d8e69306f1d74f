import type { AcceleratorDevice, AdminModel, AdminNode, AdminQueue } from '@switchyard/contracts';

/*
 * The tables of `switchyard status` and `switchyard queues`, like `kubectl get nodes`:
 * upper-case headers, columns aligned with spaces; state in colour on a terminal only.
 * Pure, so the layout is unit tested.
 */

export interface TableStyle {
  colour: boolean;
}

const COLOURS = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1 } as const;
type Colour = keyof typeof COLOURS;

const STATE_COLOUR: Record<AdminNode['state'], Colour> = {
  ready: 'green',
  cordoned: 'yellow',
  draining: 'yellow',
  warming: 'dim',
  joining: 'dim',
  gone: 'red',
};

interface Cell {
  text: string;
  colour?: Colour;
}

// eslint-disable-next-line no-control-regex -- matching terminal colour codes is the point
const ANSI = /\x1b\[[0-9;]*m/g;

/** Lays rows out in columns two spaces apart; the header row is the first. */
export function renderTable(rows: (string | Cell)[][], style: TableStyle): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'string' ? { text: c } : c)));
  const widths: number[] = [];
  for (const row of cells) {
    row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.text.length)));
  }
  return cells
    .map((row, r) =>
      row
        .map((c, i) => {
          const padded = i === row.length - 1 ? c.text : c.text.padEnd(widths[i]!);
          const colour = r === 0 ? 'bold' : c.colour;
          return style.colour && colour ? paint(padded, colour) : padded;
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function paint(text: string, colour: Colour): string {
  return `\x1b[${COLOURS[colour]}m${text}\x1b[0m`;
}

/** Removes colour codes (tests, width checks). */
export function plain(text: string): string {
  return text.replace(ANSI, '');
}

export function nodesTable(nodes: readonly AdminNode[], now: number, style: TableStyle): string {
  if (nodes.length === 0) return 'No nodes in the fleet.';
  const header = [
    'NODE',
    'STATE',
    'ENGINE',
    'MODELS',
    'SLOTS',
    'QUEUE',
    'KV',
    'TOK/S',
    'TTFT P50',
    'ACCELERATORS',
    'AGE',
  ];
  const rows = nodes.map((n) => [
    n.id,
    { text: n.state, colour: STATE_COLOUR[n.state] },
    n.engine,
    n.models.join(',') || '-',
    `${n.slots.used}/${n.slots.total}`,
    String(n.waiting),
    percent(n.kvCacheUsage),
    rate(n.generationTokensPerSecond),
    duration(n.ttftP50Ms),
    accelerators(n.accelerators),
    age(now - n.startedAt),
  ]);
  return renderTable([header, ...rows], style);
}

export function modelsTable(models: readonly AdminModel[], style: TableStyle): string {
  if (models.length === 0) return 'No models served.';
  const header = [
    'MODEL',
    'READY',
    'SLOTS',
    'CAPACITY TOK/S',
    'GENERATING TOK/S',
    'RUNNING',
    'WAITING',
  ];
  const rows = models.map((m) => [
    m.model,
    {
      text: `${m.readyNodes}/${m.servedBy.length}`,
      colour: m.readyNodes > 0 ? undefined : ('red' as const),
    },
    String(m.capacity.slots),
    rate(m.capacity.generationTokensPerSecond),
    rate(m.demand.generationTokensPerSecond),
    String(m.demand.running),
    String(m.demand.waiting),
  ]);
  return renderTable([header, ...rows], style);
}

export function queuesTable(queues: readonly AdminQueue[], style: TableStyle): string {
  if (queues.length === 0) return 'No models, no queues.';
  const header = ['MODEL', 'SHARED QUEUE', 'BY PRIORITY CLASS', 'OLDEST WAIT', 'ON NODES'];
  const rows = queues.map((q) => [
    q.model,
    { text: String(q.shared), colour: q.shared > 0 ? ('yellow' as const) : undefined },
    Object.entries(q.byPriorityClass)
      .sort(([a], [b]) => Number(b) - Number(a))
      .map(([cls, n]) => `${cls}:${n}`)
      .join(' ') || '-',
    duration(q.oldestWaitMs),
    String(q.onNodes),
  ]);
  return renderTable([header, ...rows], style);
}

function percent(v: number | null): string {
  return v === null ? '-' : `${Math.round(v * 100)}%`;
}

function rate(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? String(Math.round(v)) : v.toFixed(1);
}

function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(1)}s`;
}

/** `kubectl`-style age: 42s, 5m, 3h, 2d. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** `2×H100 80GB HBM3 37%`: devices grouped by name, with their mean utilisation. */
export function accelerators(devices: readonly AcceleratorDevice[]): string {
  if (devices.length === 0) return '-';
  const counts = new Map<string, number>();
  for (const d of devices) {
    const name = d.name.replace(/^NVIDIA\s+/, '');
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const util = devices.map((d) => d.utilization).filter((u): u is number => u !== null);
  const mean =
    util.length > 0 ? ` ${Math.round((100 * util.reduce((a, b) => a + b, 0)) / util.length)}%` : '';
  const sick = devices.some((d) => d.health === 'warning' || d.health === 'critical') ? ' !' : '';
  return [...counts].map(([name, n]) => `${n}×${name}`).join(',') + mean + sick;
}
