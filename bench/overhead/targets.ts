import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, startPrivateRedis, waitFor, type PrivateRedis } from '@switchyard/testing';
import { descendants, launch, stopProcess, type Launched } from '../../test/e2e/support/processes';
import { commandName } from './proc-stats';

/**
 * What the benchmark runs: a private Redis (no persistence, so command counts are exact), one
 * fast simulated llama.cpp engine, its worker-agent, one gateway, and the bare proxy in front
 * of the same engine. The three targets are three doors to that one engine.
 */
export const TARGET_IDS = ['direct', 'proxy', 'switchyard'] as const;
export type TargetId = (typeof TARGET_IDS)[number];

export const MODEL = 'overhead-llama';
/** The model of the slow nodes the open-streams phase adds, so no short request lands there. */
export const LONG_MODEL = 'overhead-llama-long';
export const FAST_SLOTS = 512;
export const FAST_DECODE_MS = 1;
/** Slots per slow node: the sim allows at most 1024. */
export const LONG_SLOTS = 1024;

export interface SimNode {
  simUrl: string;
  sim: Launched;
  worker: Launched;
}

export interface Bench {
  urls: Record<TargetId, string>;
  redis: PrivateRedis;
  redisPid: number | undefined;
  prefix: string;
  gateway: Launched;
  fast: SimNode;
  proxy: ChildProcess;
  /** Starts `count` slow nodes serving LONG_MODEL and waits until the gateway sees them ready. */
  addLongNodes(count: number, decodeMs: number): Promise<SimNode[]>;
  stopNodes(nodes: readonly SimNode[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startBench(): Promise<Bench> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async (): Promise<void> => {
    for (let s = stops.pop(); s; s = stops.pop()) await s().catch(() => undefined);
  };
  try {
    const redis = await startPrivateRedis();
    stops.push(() => redis.stop());
    const redisPid = descendants(process.pid).find((pid) => commandName(pid) === 'redis-server');
    const prefix = `overhead-${process.pid}:`;
    const env = { REDIS_URL: redis.url, SWITCHYARD_PREFIX: prefix };
    let nodeCount = 0;
    const gatewayPort = await freePort();
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

    const startNode = async (model: string, slots: number, decodeMs: number): Promise<SimNode> => {
      const port = await freePort();
      const simUrl = `http://127.0.0.1:${port}`;
      const sim = launch(`sim-${model}`, [
        ...['sim', '--engine', 'llamacpp', '--port', String(port), '--model', model],
        ...['--slots', String(slots), '--decode-ms', String(decodeMs)],
        ...['--prefill-tps', '1000000', '--batch-slowdown', '0'],
      ]);
      const worker = launch(
        `worker-${model}`,
        [
          ...['worker', '--engine', 'llamacpp', '--engine-url', simUrl],
          ...['--node-id', `overhead-${++nodeCount}`, '--slots', String(slots)],
        ],
        env,
      );
      const node = { simUrl, sim, worker };
      stops.push(() => stopNode(node));
      return node;
    };

    const fast = await startNode(MODEL, FAST_SLOTS, FAST_DECODE_MS);
    const gateway = launch('gateway', ['gateway', '--port', String(gatewayPort)], env);
    stops.push(() => gateway.stop());
    await waitReadyNodes(gatewayUrl, 1, [fast.sim, fast.worker, gateway]);

    const proxyPort = await freePort();
    const proxy = await startProxy(proxyPort, fast.simUrl);
    stops.push(() => stopProcess(proxy));

    let ready = 1;
    return {
      urls: { direct: fast.simUrl, proxy: `http://127.0.0.1:${proxyPort}`, switchyard: gatewayUrl },
      redis,
      redisPid,
      prefix,
      gateway,
      fast,
      proxy,
      addLongNodes: async (count, decodeMs) => {
        const nodes: SimNode[] = [];
        for (let i = 0; i < count; i++)
          nodes.push(await startNode(LONG_MODEL, LONG_SLOTS, decodeMs));
        ready += count;
        await waitReadyNodes(
          gatewayUrl,
          ready,
          nodes.flatMap((n) => [n.sim, n.worker]),
        );
        return nodes;
      },
      stopNodes: async (nodes) => {
        await Promise.all(nodes.map(stopNode));
        ready -= nodes.length;
        // The next level counts ready nodes: wait until the gateway has dropped these.
        await waitFor(async () => (await readyNodes(gatewayUrl)) <= ready, {
          timeoutMs: 15_000,
          intervalMs: 250,
          what: 'the gateway to drop the stopped nodes',
        }).catch(() => undefined);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function stopNode(node: SimNode): Promise<void> {
  await node.worker.stop();
  await node.sim.stop();
}

async function waitReadyNodes(gatewayUrl: string, nodes: number, procs: Launched[]): Promise<void> {
  let seen = 0;
  await waitFor(async () => (seen = await readyNodes(gatewayUrl)) >= nodes, {
    // Node processes boot slowly on a loaded 2-core machine: give each one time of its own.
    timeoutMs: 60_000 + 20_000 * procs.length,
    intervalMs: 200,
    what: `the gateway to see ${nodes} node(s) ready`,
  }).catch((err: Error) => {
    throw new Error(
      `${err.message} (it saw ${seen})\n${procs.map((p) => `--- ${p.name}\n${p.output()}`).join('\n')}`,
    );
  });
}

/** The bare proxy as a child process (compiled beside this file), ready when it says so. */
function startProxy(port: number, upstream: string): Promise<ChildProcess> {
  const proc = spawn(process.execPath, [join(__dirname, 'proxy.js'), String(port), upstream], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.once('exit', () => proc.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('listening')) resolve(proc);
    });
    proc.stderr?.on('data', (b: Buffer) => (out += b.toString()));
    proc.once('exit', (code) => reject(new Error(`proxy exited with ${code}: ${out}`)));
  });
}

/** Ready nodes in the gateway's view (0 when it does not answer). */
export async function readyNodes(gatewayUrl: string): Promise<number> {
  try {
    const res = await fetch(`${gatewayUrl}/readyz`);
    return ((await res.json()) as { readyNodes?: number }).readyNodes ?? 0;
  } catch {
    return 0;
  }
}
