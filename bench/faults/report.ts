import { table } from '../scheduling/format';
import { OUTCOMES, type Outcome, type RequestRecord } from './client';
import type { ScenarioResult } from './run';

/** The Markdown report (docs/reliability.md) and the counts the exit code is judged on. */
export type Counts = Record<Outcome, number> & { sent: number };

/** Outcomes that fail the run: a request with no clean end, a wrong answer, or a leak. */
export const BAD: readonly Outcome[] = ['lost', 'hung', 'corrupt', 'leaked'];

export function count(records: readonly RequestRecord[]): Counts {
  const c = { sent: records.length } as Counts;
  for (const o of OUTCOMES) c[o] = records.filter((r) => r.outcome === o).length;
  return c;
}

const HEADER = ['sent', ...OUTCOMES];
const cells = (c: Counts): string[] => [String(c.sent), ...OUTCOMES.map((o) => String(c[o]))];

export interface ReportMeta {
  title: string;
  note?: string;
  command: string;
  date: string;
  commit: string;
  machine: string;
  loadBefore: string;
  loadAfter: string;
  settings: string;
}

export function renderMarkdown(meta: ReportMeta, results: readonly ScenarioResult[]): string {
  const summary = table(
    ['scenario', ...HEADER],
    results.map((r) => [`[${r.name}](#${r.name})`, ...cells(count(r.records))]),
  );
  return (
    [
      `# ${meta.title}`,
      ...(meta.note ? [meta.note] : []),
      [
        '```sh',
        meta.command,
        '```',
        '',
        `Run ${meta.date} at commit \`${meta.commit}\` on ${meta.machine}; load average (\`uptime\`) ${meta.loadBefore} before, ${meta.loadAfter} after. ${meta.settings}`,
      ].join('\n'),
      LEGEND,
      summary,
      ...results.map(section),
    ].join('\n\n') + '\n'
  );
}

const LEGEND = [
  'Each scenario starts a fresh three-node fleet (three simulated llama.cpp engines serving one model, a worker-agent each, two gateways behind a round-robin TCP balancer, a private Redis), runs a steady load of OpenAI chat streams through the balancer and injects one fault once the load is warm. Every request has a known fault-free answer (the simulated engines are deterministic) and is judged:',
  '',
  '- **ok**: the whole answer, byte for byte, with its finish reason and `[DONE]`;',
  '- **failed-cleanly**: an error status with the dialect’s error body, or an in-band error frame, after nothing but a prefix of the answer;',
  '- **lost**: no end and no error the client can read: the connection was refused, reset or cut mid-stream, or an error status came without the dialect’s error body;',
  '- **hung**: still open at the per-request deadline, then aborted by the client;',
  '- **corrupt**: text or finish reason other than the reference, or a frame that is not JSON;',
  '- **leaked**: a client that went away whose engine request was still running 10 s after the load ended.',
  '',
  'Lost, hung, corrupt and leaked fail the run (exit code 1).',
].join('\n');

function section(r: ScenarioResult): string {
  const kinds = [...new Set(r.records.map((x) => x.kind))];
  const rows = kinds.map((k) => [k, ...cells(count(r.records.filter((x) => x.kind === k)))]);
  if (kinds.length > 1) rows.push(['**all**', ...cells(count(r.records))]);
  const why = reasons(r.records);
  return [
    `## ${r.name}`,
    `${r.fault}. (${r.durationS.toFixed(0)} s)`,
    ...(r.error ? [`**The scenario itself failed:** ${r.error}`] : []),
    table(['requests', ...HEADER], rows.length > 0 ? rows : [['–', ...HEADER.map(() => '0')]]),
    ...(why.length > 0 ? [`Why not ok:\n\n${why.map((w) => `- ${w}`).join('\n')}`] : []),
    r.notes.map((n) => `- ${n}`).join('\n'),
  ].join('\n\n');
}

/** The not-ok outcomes grouped by their first words of detail, most frequent first. */
function reasons(records: readonly RequestRecord[]): string[] {
  const groups = new Map<string, number>();
  for (const r of records) {
    if (r.outcome === 'ok') continue;
    const detail = (r.detail ?? '').replace(/\d+ chars, \d+ chunks/, 'N chars').slice(0, 90);
    const key = `${r.outcome}: ${detail || 'no detail'}`;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  return [...groups]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([k, n]) => `${n} × ${k.replace(/\|/g, '\\|')}`);
}
