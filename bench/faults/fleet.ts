import { freePort, startPrivateRedis, waitFor, type PrivateRedis } from '@switchyard/testing';
import { launch, type Launched } from '../../test/e2e/support/processes';
import { startFrontDoor, type FrontDoor } from './front-door';
import { MODEL } from './reference';

/** The gateways' inactivity deadline in the suite. */
const INACTIVITY_TIMEOUT_MS = 10_000;

/**
 * The fleet every scenario runs on, started fresh for each one: a private Redis, three
 * simulated llama.cpp engines serving the same model, a worker-agent in front of each, two
 * gateways, and the round-robin front door the load goes through. Processes are the built CLI,
 * as an operator runs them; a scenario kills, stops and restarts them through this object.
 */
export const NODES = 3;
export const GATEWAYS = 2;

export interface FleetSettings {
  /** ms per generated token (the sims run without batch slowdown, so lengths are predictable). */
  decodeMs: number;
  /** Slots per engine and per worker. */
  slots: number;
}

export interface Fleet {
  redis: PrivateRedis;
  sims: Launched[];
  simUrls: string[];
  workers: Launched[];
  gateways: Launched[];
  gatewayUrls: string[];
  /** Where clients connect: round robin over the gateways. */
  front: FrontDoor;
  /** Restarts worker-agent i with its node id (after it exited or was killed). */
  startWorker(i: number): Launched;
  startGateway(i: number): Launched;
  /** Ready nodes as the gateways see them (the highest of those that answer; undefined if none). */
  readyNodes(): Promise<number | undefined>;
  /** Waits until the gateways see every node ready again. */
  waitAllReady(timeoutMs?: number): Promise<void>;
  /** Every process's output, for a failure message. */
  output(): string;
  stop(): Promise<void>;
}

export async function startFleet(settings: FleetSettings): Promise<Fleet> {
  const redis = await startPrivateRedis();
  const env = { REDIS_URL: redis.url, SWITCHYARD_PREFIX: 'faults:' };
  const simPorts = await Promise.all(Array.from({ length: NODES }, () => freePort()));
  const gatewayPorts = await Promise.all(Array.from({ length: GATEWAYS }, () => freePort()));
  const simUrls = simPorts.map((p) => `http://127.0.0.1:${p}`);
  const all: Launched[] = [];
  const started = (l: Launched): Launched => (all.push(l), l);

  const sims = simPorts.map((port, i) =>
    started(
      launch(`sim-${i}`, [
        ...['sim', '--engine', 'llamacpp', '--port', String(port), '--model', MODEL],
        ...['--slots', String(settings.slots), '--decode-ms', String(settings.decodeMs)],
        ...['--prefill-tps', '1000000', '--batch-slowdown', '0'],
      ]),
    ),
  );
  const startWorker = (i: number): Launched =>
    started(
      launch(
        `worker-${i}`,
        [
          ...['worker', '--engine', 'llamacpp', '--engine-url', simUrls[i]!],
          ...['--node-id', `faults-node-${i}`, '--slots', String(settings.slots)],
        ],
        env,
      ),
    );
  const startGateway = (i: number): Launched =>
    started(
      launch(
        `gateway-${i}`,
        [
          'gateway',
          '--port',
          String(gatewayPorts[i]),
          '--gateway-id',
          `faults-gateway-${i}`,
          // Well above the sims' inter-token gap, well below the suite's hung deadline (60 s):
          // a stream that goes quiet is resumed or ended in time to be judged.
          '--inactivity-timeout-ms',
          String(INACTIVITY_TIMEOUT_MS),
        ],
        env,
      ),
    );
  const workers = simUrls.map((_, i) => startWorker(i));
  const gateways = gatewayPorts.map((_, i) => startGateway(i));
  const gatewayUrls = gatewayPorts.map((p) => `http://127.0.0.1:${p}`);
  const front = await startFrontDoor(() => gatewayPorts);

  const readyNodes = async (): Promise<number | undefined> => {
    const seen = await Promise.all(gatewayUrls.map(readyOf));
    const answered = seen.filter((n): n is number => n !== undefined);
    return answered.length > 0 ? Math.max(...answered) : undefined;
  };
  const output = (): string => all.map((l) => `--- ${l.name}\n${l.output()}`).join('\n');
  const fleet: Fleet = {
    redis,
    sims,
    simUrls,
    workers,
    gateways,
    gatewayUrls,
    front,
    startWorker: (i) => (workers[i] = startWorker(i)),
    startGateway: (i) => (gateways[i] = startGateway(i)),
    readyNodes,
    waitAllReady: async (timeoutMs = 90_000) => {
      await waitFor(
        async () => {
          const each = await Promise.all(gatewayUrls.map(readyOf));
          return each.every((n) => n === NODES);
        },
        { timeoutMs, intervalMs: 200, what: `every gateway to see ${NODES} nodes ready` },
      );
    },
    output,
    stop: async () => {
      await front.close();
      await Promise.all(all.map((l) => l.stop(3000)));
      await redis.stop();
    },
  };
  try {
    await fleet.waitAllReady(120_000);
  } catch (err) {
    const out = output();
    await fleet.stop();
    throw new Error(`${(err as Error).message}\n${out}`);
  }
  return fleet;
}

/** A gateway's count of ready nodes, or undefined when it does not answer. */
async function readyOf(gatewayUrl: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${gatewayUrl}/readyz`, { signal: AbortSignal.timeout(2000) });
    return ((await res.json()) as { readyNodes?: number }).readyNodes ?? 0;
  } catch {
    return undefined;
  }
}

/** Engine requests each sim still runs or queues, undefined where one is down. */
export async function busySlots(fleet: Fleet): Promise<(number | undefined)[]> {
  return Promise.all(
    fleet.simUrls.map(async (url) => {
      try {
        const res = await fetch(`${url}/__sim/state`, { signal: AbortSignal.timeout(2000) });
        const state = (await res.json()) as { busySlots: number; waiting: number };
        return state.busySlots + state.waiting;
      } catch {
        return undefined;
      }
    }),
  );
}

export async function setSimFaults(simUrl: string, faults: object): Promise<void> {
  const res = await fetch(`${simUrl}/__sim/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(faults),
  });
  if (!res.ok) throw new Error(`sim faults ${JSON.stringify(faults)}: ${await res.text()}`);
}
