import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { percent, prettyMarkdown, seconds, table } from './format';
import { placementWarning, type Report } from './report-md';

/**
 * Keeps the "latest results" part of docs/benchmarks.md current: everything between the two
 * markers is replaced, the hand-written rest of the page is left alone.
 */
const BEGIN = '<!-- scheduling-summary:begin (written by npm run bench:scheduling) -->';
const END = '<!-- scheduling-summary:end -->';

export async function updateDocsSummary(
  docPath: string,
  report: Report,
  resultFile: string,
): Promise<void> {
  const body = [BEGIN, '', ...summaryLines(report, resultFile), '', END].join('\n');
  const current = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + body + current.slice(end + END.length)
      : `${current.trimEnd()}\n\n${body}\n`;
  writeFileSync(docPath, await prettyMarkdown(next, docPath));
}

function summaryLines(r: Report, resultFile: string): string[] {
  const warning = placementWarning(r);
  return [
    `Latest run: ${r.startedAt} (\`${r.command}\`, ${Math.round(r.durationS)} s), full tables in [${resultFile}](../bench/results/${resultFile}).`,
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, Node ${r.machine.node}, load average ${r.machine.loadBefore} before and ${r.machine.loadAfter} after.`,
    '',
    ...(warning ? [warning, ''] : []),
    table(
      ['workload', 'rate', 'policy', 'TTFT p90 s', 'goodput', 'prefix hit'],
      r.cells.map((c) => [
        c.workload,
        `${c.ratePct}%`,
        c.policy,
        seconds(c.ttftMs.p90),
        percent(c.goodput, 1),
        percent(c.prefixHitRate, 1),
      ]),
    ),
    '',
    '```',
    ...r.checks.map((c) => `${c.verdict}  ${c.text}`),
    '```',
  ];
}
