import { setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { chatBody, pool, timedStream, type StreamProgress, type StreamResult } from './load';
import { rssBytes, scrapeMetrics } from './proc-stats';
import { LONG_MODEL, readyNodes, type Bench } from './targets';

/**
 * Many open streams through the gateway: for each level, add enough slow nodes (a token every
 * LONG_DECODE_MS, answers far longer than the phase), open the streams in quick batches, wait
 * until each has its first token, hold them for `holdS` while sampling the gateway's RSS,
 * the ready nodes it sees and how many streams still progress, then read the gateway's
 * event-loop delay (prom-client's monitorEventLoopDelay histogram, reset at every scrape)
 * and abort every stream.
 */
export const LONG_DECODE_MS = 2000;
const LONG_TOKENS = 400;
const OPEN_BATCH = 200;
const OPEN_PAUSE_MS = 50;
const FIRST_TOKEN_TIMEOUT_MS = 90_000;
const SAMPLE_EVERY_MS = 2000;
/** A stream progresses if its last chunk is at most this old. */
const PROGRESS_WINDOW_MS = LONG_DECODE_MS * 2.5;

export interface EventLoopDelay {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
}

export interface StreamsResult {
  streams: number;
  nodes: number;
  /** Seconds from the first request to the last stream's first token (or the timeout). */
  openS: number;
  /** Streams that had a first token when the hold began. */
  opened: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  /** Gateway RSS growth per open stream, in KiB. */
  rssPerStreamKb: number;
  /** Streams whose last chunk was recent at the last sample of the hold. */
  progressing: number;
  /** Streams that ended before we aborted them, with anything but a normal end. */
  errors: number;
  errorKinds: Record<string, number>;
  /** Lowest count of ready nodes the gateway reported while the streams were opened and held. */
  minReadyNodes: number;
  expectedReadyNodes: number;
  /** Event-loop delay while the streams were being opened, and while they were held. */
  loopOpening?: EventLoopDelay;
  loopHolding?: EventLoopDelay;
}

export async function runStreams(
  bench: Bench,
  level: number,
  holdS: number,
  log: (line: string) => void,
): Promise<StreamsResult> {
  const nodeCount = Math.ceil(level / 1000);
  const nodes = await bench.addLongNodes(nodeCount, LONG_DECODE_MS);
  const gatewayUrl = bench.urls.switchyard;
  const gwPid = bench.gateway.proc.pid;
  const client = pool(gatewayUrl, level + 16);
  const body = chatBody(LONG_MODEL, LONG_TOKENS, true);
  const aborter = new AbortController();
  // One signal for every stream: each request listens to it.
  setMaxListeners(0, aborter.signal);
  const progress: StreamProgress[] = [];
  const ended: StreamResult[] = [];
  const running: Promise<void>[] = [];
  let minReady = Infinity;
  const expectedReady = nodeCount + 1;
  try {
    await scrapeMetrics(`${gatewayUrl}/metrics`); // resets the event-loop histogram
    const rssBefore = rssBytes(gwPid);
    const t0 = performance.now();
    for (let i = 0; i < level; i++) {
      const p: StreamProgress = { chunks: 0, lastChunkAt: 0 };
      progress.push(p);
      running.push(
        timedStream(client, body, { signal: aborter.signal, progress: p }).then((r) => {
          if (!aborter.signal.aborted) ended.push(r);
        }),
      );
      if ((i + 1) % OPEN_BATCH === 0) await sleep(OPEN_PAUSE_MS);
    }
    while (
      performance.now() - t0 < FIRST_TOKEN_TIMEOUT_MS &&
      progress.filter((p) => p.chunks > 0).length + ended.length < level
    ) {
      await sleep(250);
      minReady = Math.min(minReady, await readyNodes(gatewayUrl));
    }
    const openS = (performance.now() - t0) / 1000;
    const opened = progress.filter((p) => p.chunks > 0).length;
    const loopOpening = eventLoop(await scrapeMetrics(`${gatewayUrl}/metrics`));
    log(
      `  ${level} streams: ${opened} with a first token after ${openS.toFixed(1)} s, holding ${holdS} s…`,
    );

    let rssPeak = rssBytes(gwPid);
    let progressing = 0;
    const holdEnd = performance.now() + holdS * 1000;
    while (performance.now() < holdEnd) {
      await sleep(Math.min(SAMPLE_EVERY_MS, Math.max(0, holdEnd - performance.now())));
      rssPeak = Math.max(rssPeak, rssBytes(gwPid));
      minReady = Math.min(minReady, await readyNodes(gatewayUrl));
      const now = performance.now();
      progressing = progress.filter((p) => now - p.lastChunkAt <= PROGRESS_WINDOW_MS).length;
    }
    const loopHolding = eventLoop(await scrapeMetrics(`${gatewayUrl}/metrics`));
    const failures = ended.filter((r) => r.outcome !== 'ok');
    const errorKinds: Record<string, number> = {};
    for (const r of failures) {
      const key = `${r.outcome} ${r.status ?? ''} ${r.detail ?? ''}`.trim().slice(0, 120);
      errorKinds[key] = (errorKinds[key] ?? 0) + 1;
    }
    for (const [kind, n] of Object.entries(errorKinds)) log(`    ${n} × ${kind}`);
    return {
      streams: level,
      nodes: nodeCount,
      openS,
      opened,
      rssBeforeMb: rssBefore / 2 ** 20,
      rssPeakMb: rssPeak / 2 ** 20,
      rssPerStreamKb: (rssPeak - rssBefore) / 1024 / level,
      progressing,
      errors: failures.length,
      errorKinds,
      minReadyNodes: minReady,
      expectedReadyNodes: expectedReady,
      loopOpening,
      loopHolding,
    };
  } finally {
    aborter.abort();
    await Promise.all(running);
    await client.close().catch(() => undefined);
    await waitIdle(nodes.map((n) => n.simUrl));
    await bench.stopNodes(nodes);
  }
}

function eventLoop(metrics: Map<string, number>): EventLoopDelay | undefined {
  const find = (suffix: string): number | undefined =>
    [...metrics.entries()].find(([name]) => name.endsWith(suffix))?.[1];
  const max = find('nodejs_eventloop_lag_max_seconds');
  if (max === undefined) return undefined;
  return {
    maxMs: max * 1000,
    p99Ms: (find('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
    meanMs: (find('nodejs_eventloop_lag_mean_seconds') ?? NaN) * 1000,
  };
}

/** Waits (at most 30 s) until the aborted streams have left the sims' slots. */
async function waitIdle(simUrls: readonly string[]): Promise<void> {
  const deadline = performance.now() + 30_000;
  while (performance.now() < deadline) {
    const busy = await Promise.all(
      simUrls.map(async (url) => {
        try {
          const res = await fetch(`${url}/__sim/state`);
          return ((await res.json()) as { busySlots?: number }).busySlots ?? 0;
        } catch {
          return 0;
        }
      }),
    );
    if (busy.every((b) => b === 0)) return;
    await sleep(500);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
