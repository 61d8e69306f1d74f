import type { Policy } from './cluster';
import { SLO } from './slo';
import type { CellSummary } from './stats';

/**
 * The report's chart as a self-contained SVG: p90 TTFT and goodput per workload, rate and
 * policy, as grouped bars. Hand-written (a few dozen elements) rather than a plotting library,
 * so the benchmark needs no new dependency.
 */
const COLOURS: Record<Policy, string> = {
  switchyard: '#2563eb',
  'round-robin': '#f97316',
  random: '#9ca3af',
};
const WIDTH = 980;
const PANEL_HEIGHT = 220;
const LEFT = 60;
const RIGHT = 20;
const TOP = 60;
const GAP = 80;

interface Panel {
  title: string;
  value: (c: CellSummary) => number;
  label: (v: number) => string;
  /** A reference line, e.g. the TTFT objective. */
  line?: { value: number; label: string };
  fixedMax?: number;
}

const PANELS: Panel[] = [
  {
    title: 'p90 time to first token (s)',
    value: (c) => c.ttftMs.p90 / 1000,
    label: (v) => (Number.isFinite(v) ? v.toFixed(1) : '∞'),
    line: { value: SLO.ttftMs / 1000, label: `SLO ${SLO.ttftMs / 1000} s` },
  },
  {
    title: `goodput (% of requests with TTFT ≤ ${SLO.ttftMs / 1000} s and mean ITL ≤ ${SLO.meanItlMs} ms)`,
    value: (c) => c.goodput * 100,
    label: (v) => v.toFixed(0),
    fixedMax: 100,
  },
];

const round = (v: number): number => Math.round(v * 10) / 10;
const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return ([1, 2, 2.5, 5, 10].find((m) => m * p >= v) ?? 10) * p;
}

export function renderChart(cells: readonly CellSummary[], title: string): string {
  const policies = [...new Set(cells.map((c) => c.policy))];
  const groups = [...new Set(cells.map((c) => `${c.workload}\u0000${c.ratePct}`))];
  const plotW = WIDTH - LEFT - RIGHT;
  const groupW = plotW / Math.max(1, groups.length);
  const barW = Math.min(28, (groupW * 0.8) / Math.max(1, policies.length));
  const height = TOP + PANELS.length * (PANEL_HEIGHT + GAP);
  const el: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${LEFT}" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  policies.forEach((p, i) => {
    const x = LEFT + i * 130;
    el.push(
      `<rect x="${x}" y="30" width="12" height="12" fill="${COLOURS[p]}"/>`,
      `<text x="${x + 16}" y="40">${esc(p)}</text>`,
    );
  });
  PANELS.forEach((panel, pi) => {
    const y0 = TOP + pi * (PANEL_HEIGHT + GAP) + 20;
    const finite = cells.map(panel.value).filter(Number.isFinite);
    const max = panel.fixedMax ?? niceMax(Math.max(panel.line?.value ?? 0, ...finite) * 1.1);
    const yOf = (v: number): number =>
      round(y0 + PANEL_HEIGHT - (Math.min(v, max) / max) * PANEL_HEIGHT);
    el.push(`<text x="${LEFT}" y="${y0 - 20}" font-weight="bold">${esc(panel.title)}</text>`);
    for (let t = 0; t <= 4; t++) {
      const v = (max * t) / 4;
      el.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${yOf(v)}" y2="${yOf(v)}" stroke="#e5e7eb"/>`,
        `<text x="${LEFT - 6}" y="${yOf(v) + 4}" text-anchor="end">${+v.toFixed(2)}</text>`,
      );
    }
    groups.forEach((g, gi) => {
      const [workload, rate] = g.split('\u0000');
      const gx = round(LEFT + gi * groupW + (groupW - barW * policies.length) / 2);
      policies.forEach((p, i) => {
        const cell = cells.find(
          (c) => c.workload === workload && String(c.ratePct) === rate && c.policy === p,
        );
        if (!cell) return;
        const v = panel.value(cell);
        const y = Number.isFinite(v) ? yOf(v) : y0;
        const x = round(gx + i * barW);
        el.push(
          `<rect x="${x}" y="${y}" width="${round(barW - 2)}" height="${round(y0 + PANEL_HEIGHT - y)}" fill="${COLOURS[p]}"><title>${esc(`${workload} ${rate}% ${p}: ${panel.label(v)}`)}</title></rect>`,
          `<text x="${round(x + (barW - 2) / 2)}" y="${y - 3}" text-anchor="middle" font-size="9">${panel.label(v)}</text>`,
        );
      });
      const cx = round(LEFT + gi * groupW + groupW / 2);
      el.push(
        `<text x="${cx}" y="${y0 + PANEL_HEIGHT + 14}" text-anchor="middle">${esc(`${rate}%`)}</text>`,
        `<text x="${cx}" y="${y0 + PANEL_HEIGHT + 28}" text-anchor="middle" fill="#4b5563">${esc(workload ?? '')}</text>`,
      );
    });
    if (panel.line) {
      const y = yOf(panel.line.value);
      el.push(
        `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y}" y2="${y}" stroke="#dc2626" stroke-dasharray="4 3"/>`,
        `<text x="${WIDTH - RIGHT}" y="${y - 4}" text-anchor="end" fill="#dc2626">${esc(panel.line.label)}</text>`,
      );
    }
    el.push(
      `<line x1="${LEFT}" x2="${LEFT}" y1="${y0}" y2="${y0 + PANEL_HEIGHT}" stroke="#111827"/>`,
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y0 + PANEL_HEIGHT}" y2="${y0 + PANEL_HEIGHT}" stroke="#111827"/>`,
    );
  });
  el.push('</svg>');
  return el.join('\n') + '\n';
}
