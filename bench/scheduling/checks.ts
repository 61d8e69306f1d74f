import { CHECK_RATE_PCT, CHECKS } from './slo';
import type { CellSummary } from './stats';

/**
 * The acceptance checks, reported (never asserted): at the measured rate closest to
 * 80 % of capacity, switchyard against round-robin on each workload.
 */
export interface CheckLine {
  verdict: 'PASS' | 'FAIL' | 'SKIP';
  text: string;
}

const ratio = (a: number, b: number): string =>
  b === 0 || !Number.isFinite(b) ? 'n/a' : `${(a / b).toFixed(2)}×`;
const ms = (v: number): string => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : '∞');
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

export function evaluateChecks(cells: readonly CellSummary[]): CheckLine[] {
  const lines: CheckLine[] = [];
  const workloads = [...new Set(cells.map((c) => c.workload))];
  for (const workload of workloads) {
    const rates = [...new Set(cells.filter((c) => c.workload === workload).map((c) => c.ratePct))];
    const rate = rates.reduce((best, r) =>
      Math.abs(r - CHECK_RATE_PCT) < Math.abs(best - CHECK_RATE_PCT) ? r : best,
    );
    const cell = (policy: string): CellSummary | undefined =>
      cells.find((c) => c.workload === workload && c.ratePct === rate && c.policy === policy);
    const sy = cell('switchyard');
    const rr = cell('round-robin');
    const at = `${workload} @ ${rate} %`;
    if (!sy || !rr) {
      lines.push({ verdict: 'SKIP', text: `${at}: needs both switchyard and round-robin runs` });
      continue;
    }
    lines.push(ttftCheck(at, sy, rr), goodputCheck(at, sy, rr));
    if (workload === 'shared-prefix') lines.push(prefixCheck(at, sy, rr));
  }
  return lines;
}

function ttftCheck(at: string, sy: CellSummary, rr: CellSummary): CheckLine {
  const a = sy.ttftMs.p90;
  const b = rr.ttftMs.p90;
  const pass = Number.isFinite(a) && (!Number.isFinite(b) || a <= CHECKS.p90TtftRatio * b);
  return {
    verdict: pass ? 'PASS' : 'FAIL',
    text: `${at}: p90 TTFT switchyard ${ms(a)} vs round-robin ${ms(b)} (${ratio(a, b)}; needs ≤ ${CHECKS.p90TtftRatio}×)`,
  };
}

function goodputCheck(at: string, sy: CellSummary, rr: CellSummary): CheckLine {
  const a = sy.goodput;
  const b = rr.goodput;
  const pass = a > 0 && a >= CHECKS.goodputRatio * b;
  return {
    verdict: pass ? 'PASS' : 'FAIL',
    text: `${at}: goodput switchyard ${pct(a)} vs round-robin ${pct(b)} (${ratio(a, b)}; needs ≥ ${CHECKS.goodputRatio}×)`,
  };
}

function prefixCheck(at: string, sy: CellSummary, rr: CellSummary): CheckLine {
  const a = sy.prefixHitRate;
  const b = rr.prefixHitRate;
  const pass = a > 0 && a >= CHECKS.prefixHitRatio * b;
  return {
    verdict: pass ? 'PASS' : 'FAIL',
    text: `${at}: prefix-cache hit rate switchyard ${pct(a)} vs round-robin ${pct(b)} (${ratio(a, b)}; needs ≥ ${CHECKS.prefixHitRatio}×)`,
  };
}
