import { table } from '../scheduling/format';
import { added, type Check } from './checks';
import type { LevelResult } from './phase-latency';
import { GAP_TOKENS, SHORT_TOKENS } from './phase-latency';
import { LONG_DECODE_MS } from './phase-streams';
import type { OverheadReport } from './results';
import { FAST_DECODE_MS, FAST_SLOTS } from './targets';

/** The run as Markdown: setup, one table per measure, the checks. */
export function renderMarkdown(r: OverheadReport, checks: readonly Check[]): string {
  const m = r.machine;
  return [
    `# ${r.title}`,
    '',
    `Command: \`${r.command}\` at commit \`${r.commit}\`, ${r.durationS.toFixed(0)} s. ` +
      `Machine: ${m.cpus} × ${m.cpuModel}, ${m.memoryGb} GB, Node ${m.node}, ${m.os}. ` +
      `**Load average ${m.loadBefore} before, ${m.loadAfter} after.**`,
    '',
    `One simulated llama.cpp engine (${FAST_SLOTS} slots, ${FAST_DECODE_MS} ms per token, no batch slowdown, ` +
      `prefill 1M tokens/s) reached three ways: **direct**, through the **bare proxy** ` +
      `(node:http, keep-alive agent, piped) and through **Switchyard** (gateway → BullMQ → ` +
      `worker-agent → engine, tokens back over Redis pub/sub). OpenAI \`/v1/chat/completions\`, ` +
      `a tiny prompt, \`max_tokens: ${SHORT_TOKENS}\` with \`ignore_eos\`. Phases interleave the ` +
      `targets (${r.settings.rounds} rounds, the first target rotating). "Added" = target − direct, ` +
      `percentile by percentile; "ratio" = Switchyard's added / the proxy's added.`,
    '',
    '## Checks',
    '',
    '```',
    ...checks.map((c) => `${c.verdict.padEnd(4)}  ${c.text}`),
    '```',
    '',
    '## Non-streaming latency (ms)',
    '',
    latencyTable(r.latency.plain, 'concurrent'),
    '',
    '## Time to first token, streaming (ms)',
    '',
    latencyTable(r.latency.ttft, 'streams'),
    '',
    streamErrorList(r),
    '',
    `## Inter-token gap, ${GAP_TOKENS}-token streamed answer`,
    '',
    gapTable(r),
    '',
    `## Requests/s at ${r.settings.concurrency} concurrent, CPU per request`,
    '',
    throughputTable(r),
    '',
    '## Redis commands per 16-token request (Switchyard path)',
    '',
    redisSection(r),
    '',
    '## Open streams through the gateway',
    '',
    streamsSection(r),
    '',
    '## Load average per phase',
    '',
    table(
      ['phase', 'load (1, 5, 15 min)'],
      r.phaseLoad.map((p) => [p.phase, p.load]),
    ),
    '',
  ].join('\n');
}

const f = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : '–');
const x = (a: number, b: number): string =>
  Number.isFinite(a / b) && b > 0 ? `${(a / b).toFixed(2)}×` : '–';

function latencyTable(levels: readonly LevelResult[], unit: string): string {
  const rows: string[][] = [];
  for (const l of levels) {
    const s = l.summary;
    for (const p of ['p50', 'p99'] as const) {
      const px = added(s, 'proxy', p);
      const sy = added(s, 'switchyard', p);
      rows.push([
        `${l.concurrency} ${unit}`,
        p,
        f(s.direct[p]),
        f(s.proxy[p]),
        f(s.switchyard[p]),
        f(px),
        f(sy),
        x(sy, px),
      ]);
    }
    const fails = s.direct.failed + s.proxy.failed + s.switchyard.failed;
    rows.push([
      `${l.concurrency} ${unit}`,
      'n (failed)',
      `${s.direct.n} (${s.direct.failed})`,
      `${s.proxy.n} (${s.proxy.failed})`,
      `${s.switchyard.n} (${s.switchyard.failed})`,
      '',
      '',
      fails ? '**failures**' : '',
    ]);
  }
  return table(
    ['load', '', 'direct', 'proxy', 'switchyard', 'proxy added', 'switchyard added', 'ratio'],
    rows,
  );
}

function gapTable(r: OverheadReport): string {
  const g = r.latency.gap;
  const rows = (['direct', 'proxy', 'switchyard'] as const).map((t) => [
    t,
    f(g[t].gapMs.mean, 3),
    f(g[t].gapMs.p99, 3),
    t === 'direct' ? '' : f(g[t].gapMs.mean - g.direct.gapMs.mean, 3),
    f(g[t].chunks, 1),
    `${g[t].gapMs.n} (${g[t].gapMs.failed})`,
  ]);
  return (
    table(
      [
        'target',
        'mean gap ms',
        'p99 of per-stream means',
        'added',
        'chunks per answer',
        'streams (failed)',
      ],
      rows,
    ) +
    `\n\nThe engine emits a token every ${FAST_DECODE_MS} ms (timer-bound, so ~1.1 ms); the mean gap ` +
    `is (last content chunk − first) / (chunks − 1) per stream, averaged over streams.`
  );
}

function throughputTable(r: OverheadReport): string {
  const t = r.throughput;
  const rows = (['direct', 'proxy', 'switchyard'] as const).map((id) => {
    const c = t[id].cpuMsPerRequest;
    return [
      id,
      String(t[id].requests),
      String(t[id].failed),
      f(t[id].rps, 0),
      x(t[id].rps, t.proxy.rps),
      f(c.gateway, 3),
      f(c.worker, 3),
      f(c.gateway + c.worker, 3),
      f(c.proxy, 3),
      f(c.sim, 3),
      f(c.redis, 3),
      f(c.client, 3),
    ];
  });
  return (
    table(
      [
        'target',
        'requests',
        'failed',
        'req/s',
        'vs proxy',
        'gateway CPU ms',
        'worker CPU ms',
        'gw+worker',
        'proxy CPU ms',
        'engine CPU ms',
        'redis CPU ms',
        'client CPU ms',
      ],
      rows,
    ) +
    `\n\n${r.settings.durationS} s per target in interleaved slices; CPU per request = utime+stime ` +
    `from /proc/<pid>/stat over the target's slices / its successful requests (10 ms ticks). ` +
    `Only the processes on a target's path work during its slices (the others idle: heartbeats). ` +
    `The client (this benchmark, undici) shares the 2 cores with everything else.`
  );
}

function redisSection(r: OverheadReport): string {
  const d = r.redis;
  const top = d.commands
    .slice(0, 15)
    .map((c) => [`\`${c.command}\``, f(c.stats, 2), f(c.client, 2), f(c.lua, 2)]);
  return [
    `${d.requests} sequential non-streaming requests (${d.failed} failed) in ${d.blockS.toFixed(1)} s, after an ` +
      `idle window of ${d.idleS.toFixed(1)} s that sets the background (${d.backgroundPerS.toFixed(1)} commands/s: ` +
      `heartbeats, registry reads, BullMQ's blocking waits), subtracted pro rata.`,
    '',
    `- **${f(d.perRequest, 1)} commands per request** by \`INFO commandstats\` (${f(d.rawPerRequest, 1)} before subtracting the background).`,
    `- By MONITOR: **${f(d.clientPerRequest, 1)} sent by clients** (network round trips, each EVAL/EVALSHA once) + ` +
      `**${f(d.luaPerRequest, 1)} run inside Lua scripts**.`,
    '- `INFO commandstats` counts every command a script runs as a call of its own (Redis 7: an ' +
      '`EVAL` that runs `SET` and `INCR` adds one call each to `eval`, `set` and `incr`), so its ' +
      'total is client commands + script-internal commands. Our own `INFO` and `MONITOR` are left out.',
    '',
    table(
      ['command (scripts by name)', 'commandstats', 'MONITOR: client', 'MONITOR: in scripts'],
      top,
    ),
    '',
    "BullMQ scripts are named by matching the EVALSHA sha against its script texts; Switchyard's own " +
      '`EVAL`s by the shape of their first key. commandstats has one row for all EVALSHAs (its ' +
      'per-script rows are "–").',
  ].join('\n');
}

function streamsSection(r: OverheadReport): string {
  if (r.streams.length === 0 && r.streamFailures.length === 0) return 'Not run (`--streams none`).';
  const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : f(v, 0));
  const rows = r.streams.map((s) => [
    s.streams.toLocaleString('en'),
    String(s.nodes),
    `${s.opened} in ${f(s.openS, 1)} s`,
    f(s.rssBeforeMb, 0),
    f(s.rssPeakMb, 0),
    f(s.rssPerStreamKb, 1),
    `${ms(s.loopOpening?.maxMs)} / ${ms(s.loopHolding?.maxMs)}`,
    `${f(s.loopHolding?.p99Ms ?? NaN, 1)}`,
    String(s.progressing),
    String(s.errors),
    `${s.minReadyNodes}/${s.expectedReadyNodes}`,
  ]);
  const kinds = r.streams.flatMap((s) =>
    Object.entries(s.errorKinds).map(([k, n]) => `- ${s.streams}: ${n} × ${k}`),
  );
  return [
    table(
      [
        'streams',
        'nodes',
        'with first token',
        'RSS before MiB',
        'RSS peak MiB',
        'KiB per stream',
        'loop max ms opening / holding',
        'loop p99 ms holding',
        'progressing',
        'errors',
        'min ready nodes',
      ],
      rows,
    ),
    '',
    `Slow nodes (1,024 slots, a token every ${LONG_DECODE_MS} ms) are added for this phase under their ` +
      `own model, one per 1,000 streams. Streams are opened in batches of 200, held ${r.settings.holdS} s ` +
      `after the last first token, then aborted. Event-loop delay is the gateway's own prom-client ` +
      `\`nodejs_eventloop_lag_*\` (monitorEventLoopDelay, reset at every scrape: one scrape before ` +
      `opening, one when all are open, one at the end of the hold). "Progressing" = a chunk in the ` +
      `last ${(LONG_DECODE_MS * 2.5) / 1000} s at the last sample; "min ready nodes" is the lowest ` +
      `\`/readyz\` count seen while opening and holding (fewer than expected = a node declared gone).`,
    ...(kinds.length ? ['', 'Errors:', '', ...kinds] : []),
    ...r.streamFailures.map((f) => `\n**${f.streams} streams could not run:** ${f.error}`),
  ].join('\n');
}

/** Failed streams of the TTFT and gap phases (failures count as missing samples above). */
function streamErrorList(r: OverheadReport): string {
  const lines = Object.entries(r.latency.streamErrors).flatMap(([target, kinds]) =>
    Object.entries(kinds).map(([kind, n]) => `- ${target}: ${n} × ${kind}`),
  );
  return lines.length ? ['Failed streams:', '', ...lines].join('\n') : 'No stream failed.';
}
