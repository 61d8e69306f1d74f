import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssBytes } from '../overhead/proc-stats';
import { streamChat, type RequestRecord, type StreamOptions } from './client';
import { NODES, startFleet, type Fleet, type FleetSettings } from './fleet';
import type { FaultOptions } from './options';
import { chatCase, loadTokens } from './reference';

/**
 * One scenario's run: a fresh fleet, the steady load through the front door, the fault injected
 * once the load is warm, the load kept on until the fault is over and the fleet had time to
 * recover, then every request left to end (or hit its deadline) and judged.
 */
export interface Scenario {
  name: string;
  /** What is done to the fleet, in a sentence. */
  fault: string;
  fleet?: Partial<FleetSettings>;
  /** Before the load starts (e.g. arm a sim's fault knob). */
  prepare?(run: Run): Promise<void>;
  /** Injects the fault once the load is warm; resolves when the fault is over. */
  inject(run: Run): Promise<void>;
  /** After every request has ended: checks on what the fleet still holds. */
  after?(run: Run): Promise<void>;
}

export interface ScenarioResult {
  name: string;
  fault: string;
  records: RequestRecord[];
  notes: string[];
  durationS: number;
  /** Set when the scenario itself broke (fleet did not start, injection threw). */
  error?: string;
}

export interface Run {
  fleet: Fleet;
  opts: FaultOptions;
  /** ms since the load started. */
  now(): number;
  /** A note for the report; `mark` prefixes the time. */
  note(text: string): void;
  mark(text: string): void;
  /** Sends one chat stream (counted in the table under `kind`) without waiting for it. */
  send(
    kind: string,
    tokens: number,
    o?: Partial<StreamOptions> & { base?: string },
  ): Promise<RequestRecord>;
  /** Waits for a request the scenario makes on its own (huge requests): kept until the end. */
  track<T>(work: Promise<T>): Promise<T>;
  records: RequestRecord[];
}

const FLEET_DEFAULTS: FleetSettings = { decodeMs: 25, slots: 8 };

export async function runScenario(
  scenario: Scenario,
  opts: FaultOptions,
  firstId: number,
  log: (line: string) => void,
): Promise<ScenarioResult> {
  const started = performance.now();
  const notes: string[] = [];
  const records: RequestRecord[] = [];
  const settings = { ...FLEET_DEFAULTS, ...scenario.fleet };
  // A port picked as free can be taken by another process before ours binds it: try once more.
  const fleet = await startFleet(settings).catch((err: Error) => {
    log(`  fleet did not start (${err.message.split('\n')[0]}); starting it again`);
    return startFleet(settings);
  });
  let t0 = performance.now();
  let nextId = firstId;
  const pending = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    pending.add(work);
    void work.finally(() => pending.delete(work)).catch(() => undefined);
    return work;
  };
  const now = (): number => performance.now() - t0;
  const run: Run = {
    fleet,
    opts,
    now,
    note: (text) => notes.push(text),
    mark: (text) => {
      notes.push(`+${(now() / 1000).toFixed(1)} s: ${text}`);
      log(`  +${(now() / 1000).toFixed(1)} s ${text}`);
    },
    send: (kind, tokens, o = {}) => {
      const c = chatCase(nextId++, tokens);
      return track(
        streamChat(o.base ?? fleet.front.url, c, {
          deadlineMs: opts.deadlineMs,
          t0,
          kind,
          ...o,
        }).then((r) => (records.push(r), r)),
      );
    },
    track,
    records,
  };
  const watch = watchFleet(fleet);
  let error: string | undefined;
  try {
    await scenario.prepare?.(run);
    t0 = performance.now();
    let loadEnd = opts.loadMs;
    const lane = async (): Promise<void> => {
      while (now() < loadEnd) await run.send('load', loadTokens(nextId));
    };
    const lanes = Array.from({ length: opts.concurrency }, lane);
    await sleep(opts.warmMs);
    try {
      await scenario.inject(run);
    } catch (err) {
      error = `injection failed: ${err instanceof Error ? err.message : String(err)}`;
      run.mark(error);
    }
    loadEnd = Math.max(loadEnd, now() + opts.recoverMs);
    await Promise.all(lanes);
    while (pending.size > 0) await Promise.allSettled([...pending]);
    run.mark(`every request ended (${records.length})`);
    await scenario.after?.(run);
  } finally {
    const seen = watch.stop();
    if (seen.minReady !== undefined && seen.minReady < NODES) {
      notes.push(
        `gateways saw as few as ${seen.minReady} of ${NODES} nodes ready (first at +${(seen.minReadyAtMs! / 1000).toFixed(1)} s)`,
      );
    }
    if (seen.noGatewayMs > 0)
      notes.push(
        `no gateway answered /readyz for ${(seen.noGatewayMs / 1000).toFixed(1)} s in all`,
      );
    notes.push(
      `gateway RSS: ${seen.rssStartMb.map((mb, i) => `${mb} → max ${seen.rssMaxMb[i]} MB`).join(', ')}`,
    );
    await fleet.stop();
  }
  return {
    name: scenario.name,
    fault: scenario.fault,
    records,
    notes,
    durationS: (performance.now() - started) / 1000,
    ...(error ? { error } : {}),
  };

  function watchFleet(f: Fleet) {
    const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);
    const rss = (): number[] => f.gateways.map((g) => mb(rssBytes(g.proc.pid)));
    const rssStartMb = rss();
    const rssMaxMb = [...rssStartMb];
    let minReady: number | undefined;
    let minReadyAtMs: number | undefined;
    let noGatewayMs = 0;
    let stopped = false;
    const INTERVAL = 250;
    const loop = async (): Promise<void> => {
      while (!stopped) {
        rss().forEach(
          (v, i) => (rssMaxMb[i] = Math.max(rssMaxMb[i] ?? 0, Number.isNaN(v) ? 0 : v)),
        );
        const ready = await f.readyNodes();
        if (ready === undefined) noGatewayMs += INTERVAL;
        else if (minReady === undefined || ready < minReady) {
          minReady = ready;
          minReadyAtMs = now();
        }
        await sleep(INTERVAL);
      }
    };
    void loop();
    return {
      stop: () => {
        stopped = true;
        return { minReady, minReadyAtMs, noGatewayMs, rssStartMb, rssMaxMb };
      },
    };
  }
}
