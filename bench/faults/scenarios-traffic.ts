import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { waitFor } from '@switchyard/testing';
import { rssBytes } from '../overhead/proc-stats';
import type { RequestRecord } from './client';
import { GATEWAYS, NODES, busySlots, type Fleet } from './fleet';
import { MODEL } from './reference';
import type { Run, Scenario } from './run';

/** Operations and traffic: rolling restarts, clients that leave or read slowly, bursts, huge requests. */

/** How long a stopped process may take; past it, SIGKILL (and the note says so). */
const STOP_GRACE_MS = 60_000;

async function stopTimed(
  run: Run,
  what: string,
  stop: () => Promise<void>,
  proc: { exitCode: number | null; signalCode: NodeJS.Signals | null },
): Promise<void> {
  const t = performance.now();
  await stop();
  const s = ((performance.now() - t) / 1000).toFixed(1);
  run.mark(
    `${what} exited ${proc.signalCode === 'SIGKILL' ? 'only to SIGKILL' : `with ${proc.exitCode}`} ${s} s after SIGTERM`,
  );
}

async function waitGatewayReady(fleet: Fleet, i: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${fleet.gatewayUrls[i]}/readyz`).catch(() => undefined);
      return (
        res?.ok === true && ((await res.json()) as { readyNodes: number }).readyNodes === NODES
      );
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `gateway ${i} to be ready again` },
  );
}

const huge = {
  /** Ollama `/api/embed` with 10,000 inputs. */
  embed: () =>
    JSON.stringify({
      model: MODEL,
      input: Array.from({ length: 10_000 }, (_, i) => `fault suite embedding input number ${i}`),
    }),
  /** An OpenAI chat whose prompt is 1 MB of words. */
  prompt: () =>
    JSON.stringify({
      model: MODEL,
      max_tokens: 4,
      messages: [
        { role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(38_837).slice(0, 1_000_000) },
      ],
    }),
};

async function timedPost(run: Run, what: string, url: string, body: string): Promise<void> {
  const t = performance.now();
  try {
    const res = await request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      reset: true,
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await res.body.text();
    run.mark(
      `${what}: ${res.statusCode} after ${((performance.now() - t) / 1000).toFixed(1)} s (${(text.length / 1024).toFixed(0)} kB${res.statusCode >= 400 ? `: ${text.slice(0, 120)}` : ''})`,
    );
  } catch (err) {
    run.mark(
      `${what}: failed after ${((performance.now() - t) / 1000).toFixed(1)} s: ${(err as Error).message}`,
    );
  }
}

/** Slow readers: their count and how long they hold their streams. */
const SLOW = { quick: { readers: 8, holdMs: 10_000 }, full: { readers: 24, holdMs: 20_000 } };

export const TRAFFIC_SCENARIOS: Scenario[] = [
  {
    name: 'worker-rolling-restart',
    fault:
      'each worker-agent in turn gets SIGTERM, is started again, and is waited for until ready',
    inject: async (run) => {
      for (let i = 0; i < NODES; i++) {
        const w = run.fleet.workers[i]!;
        await stopTimed(run, `worker ${i}`, () => w.stop(STOP_GRACE_MS), w.proc);
        run.fleet.startWorker(i);
        await run.fleet.waitAllReady();
        run.mark(`worker ${i} back and ready`);
      }
    },
  },
  {
    name: 'gateway-rolling-restart',
    fault:
      'each gateway in turn gets SIGTERM, is started again, and is waited for until ready (clients reach them through a round-robin TCP balancer)',
    inject: async (run) => {
      for (let i = 0; i < GATEWAYS; i++) {
        const g = run.fleet.gateways[i]!;
        await stopTimed(run, `gateway ${i}`, () => g.stop(STOP_GRACE_MS), g.proc);
        run.fleet.startGateway(i);
        await waitGatewayReady(run.fleet, i);
        run.mark(`gateway ${i} back and ready`);
      }
    },
  },
  {
    name: 'client-disconnect',
    fault:
      'clients of long answers (3,000 tokens) go away after 5 tokens; each must cancel its engine request',
    inject: async (run) => {
      const count = run.opts.quick ? 6 : 12;
      for (let i = 0; i < count; i++) {
        void run.send('disconnect', 3000, { abortAfterChunks: 5 });
        await sleep(200);
      }
      run.mark(`${count} clients went away mid-stream`);
    },
    after: async (run) => {
      // Everything else has ended: whatever an engine still runs is a request nobody cancelled.
      let left: (number | undefined)[] = [];
      await waitFor(async () => (left = await busySlots(run.fleet)).every((n) => !n), {
        timeoutMs: 10_000,
        intervalMs: 250,
        what: 'the engines to be idle',
      }).catch(() => undefined);
      const leaked = left.reduce<number>((sum, n) => sum + (n ?? 0), 0);
      run.note(`engine requests still running 10 s after the load ended: ${leaked}`);
      const gone = run.records.filter((r) => r.kind === 'disconnect' && r.outcome === 'ok');
      for (const r of gone.slice(0, leaked)) r.outcome = 'leaked';
    },
  },
  {
    name: 'burst-10x',
    fault: 'ten times the steady load’s concurrency arrives at once',
    inject: async (run) => {
      const n = run.opts.concurrency * 10;
      const burst: Promise<RequestRecord>[] = [];
      for (let i = 0; i < n; i++) burst.push(run.send('burst', 40 + ((i * 37) % 80)));
      run.mark(`${n} burst requests sent`);
      const records = await Promise.all(burst);
      run.mark(`burst ended (${records.filter((r) => r.outcome === 'ok').length} ok)`);
    },
  },
  {
    name: 'huge-request',
    fault:
      'one Ollama `/api/embed` with 10,000 inputs and one 1 MB chat prompt arrive while streams run',
    inject: async (run) => {
      const base = run.fleet.front.url;
      await Promise.all([
        run.track(timedPost(run, '/api/embed ×10,000', `${base}/api/embed`, huge.embed())),
        run.track(timedPost(run, '1 MB prompt', `${base}/v1/chat/completions`, huge.prompt())),
      ]);
    },
  },
  {
    name: 'slow-readers',
    fault:
      'clients that read 1 kB/s hold long answers (6,000 tokens at 3 ms each) on gateway 0, then go away',
    fleet: { decodeMs: 3 },
    inject: async (run) => {
      const { readers, holdMs } = run.opts.quick ? SLOW.quick : SLOW.full;
      const pid = run.fleet.gateways[0]!.proc.pid;
      const mb = (): number => Math.round(rssBytes(pid) / 2 ** 20);
      const before = mb();
      let peak = before;
      const slow = Array.from({ length: readers }, () =>
        run.send('slow-reader', 6000, {
          base: run.fleet.gatewayUrls[0],
          readBytesPerS: 1000,
          holdMs,
        }),
      );
      run.mark(`${readers} slow readers on gateway 0 (RSS ${before} MB)`);
      const sampler = setInterval(() => (peak = Math.max(peak, mb())), 250);
      await Promise.all(slow);
      clearInterval(sampler);
      await sleep(3000);
      run.note(
        `gateway 0 RSS with ${readers} slow readers: ${before} MB before, ${peak} MB at most, ${mb()} MB 3 s after they left`,
      );
    },
    after: async (run) => {
      // A slow reader is not an answer to judge: it leaves on purpose, so it is reported apart.
      for (let i = run.records.length - 1; i >= 0; i--) {
        if (run.records[i]!.kind === 'slow-reader') run.records.splice(i, 1);
      }
    },
  },
];
