import { randomBytes } from 'node:crypto';
import { RegistryRepository, closeRedis, connectRedis } from '@switchyard/cluster';
import { keySpace, type NodeSnapshot } from '@switchyard/contracts';
import { cleanupPrefix, freePort, randomPrefix, testRedisUrl, waitFor } from '@switchyard/testing';
import { launch, type Launched } from './processes';

export interface FleetNode {
  nodeId: string;
  simUrl: string;
  sim: Launched;
  worker: Launched;
}

export interface Fleet {
  prefix: string;
  redisUrl: string;
  gatewayUrl: string;
  gateway: Launched;
  nodes: FleetNode[];
  /** Registry snapshots of the nodes that are alive now. */
  registry(): Promise<NodeSnapshot[]>;
  stop(): Promise<void>;
}

export interface FleetNodeSpec {
  slots: number;
  decodeMs: number;
  /** Engine personality (default llamacpp). */
  engine?: string;
  /** Model this node serves (default: the fleet's model). */
  model?: string;
  /** Extra `switchyard sim` flags, e.g. ['--loading-ms', '3000']. */
  simArgs?: string[];
  /** Extra `switchyard worker` flags, e.g. ['--telemetry', 'npu:910B3x8']. */
  workerArgs?: string[];
  /** The engine serves health and metrics on listeners of their own (MindIE). */
  extraPlanes?: boolean;
  /** The node's id (default `e2e-<run>-<index>`). */
  nodeId?: string;
}

export interface FleetOptions {
  model: string;
  nodes: FleetNodeSpec[];
  /** Wait until every node is ready before returning (default true). */
  waitReady?: boolean;
  /** The cluster's Redis (default: the test Redis). */
  redisUrl?: string;
  /** Extra `switchyard gateway` flags, e.g. ['--max-queue-wait-ms', '200']. */
  gatewayArgs?: string[];
  /** Extra gateway environment, e.g. { SWITCHYARD_MODELS: JSON.stringify([...]) }. */
  gatewayEnv?: Record<string, string>;
}

/** A real cluster: one gateway, and per node a llama.cpp-personality sim and its worker-agent. */
export async function startFleet(opts: FleetOptions): Promise<Fleet> {
  const prefix = randomPrefix();
  const redisUrl = opts.redisUrl ?? testRedisUrl();
  const env = { REDIS_URL: redisUrl, SWITCHYARD_PREFIX: prefix };
  const run = randomBytes(3).toString('hex');
  const nodes: FleetNode[] = [];
  const redis = (await connectRedis(redisUrl)).create({ name: 'e2e-fleet' });
  redis.on('error', () => undefined); // the registry reads below report failures themselves
  const repo = new RegistryRepository(redis, keySpace(prefix), { aliveTtlMs: 3000 });
  const launched: Launched[] = [];
  try {
    for (const [i, n] of opts.nodes.entries()) {
      const port = await freePort();
      const simUrl = `http://127.0.0.1:${port}`;
      const engine = n.engine ?? 'llamacpp';
      const planes = n.extraPlanes
        ? { management: await freePort(), metrics: await freePort() }
        : undefined;
      const sim = launch(`sim-${i}`, [
        'sim',
        '--engine',
        engine,
        '--port',
        String(port),
        '--model',
        n.model ?? opts.model,
        '--slots',
        String(n.slots),
        '--decode-ms',
        String(n.decodeMs),
        ...(planes
          ? [
              '--management-port',
              String(planes.management),
              '--metrics-port',
              String(planes.metrics),
            ]
          : []),
        // A llama.cpp node of a fleet is started as users start one that embeds.
        ...(engine === 'llamacpp' ? ['--embeddings'] : []),
        ...(n.simArgs ?? []),
      ]);
      launched.push(sim);
      const nodeId = n.nodeId ?? `e2e-${run}-${i}`;
      const worker = launch(
        `worker-${i}`,
        [
          'worker',
          '--engine',
          engine,
          '--engine-url',
          simUrl,
          '--node-id',
          nodeId,
          ...(planes
            ? [
                '--engine-management-url',
                `http://127.0.0.1:${planes.management}`,
                '--engine-metrics-url',
                `http://127.0.0.1:${planes.metrics}`,
              ]
            : []),
          ...(n.workerArgs ?? []),
        ],
        env,
      );
      launched.push(worker);
      nodes.push({ nodeId, simUrl, sim, worker });
    }
    const gatewayPort = await freePort();
    const gateway = launch(
      'gateway',
      ['gateway', '--port', String(gatewayPort), ...(opts.gatewayArgs ?? [])],
      { ...env, ...opts.gatewayEnv },
    );
    launched.push(gateway);
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;

    const registry = () => repo.listAlive();
    if (opts.waitReady !== false) await waitForReady();
    async function waitForReady(): Promise<void> {
      await waitFor(
        async () =>
          (await registry()).filter((s) => s.info.state === 'ready').length === nodes.length,
        { timeoutMs: 30000, intervalMs: 100, what: 'every node ready in the registry' },
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}\n${launched.map((l) => `--- ${l.name}\n${l.output()}`).join('\n')}`,
        );
      });
      await waitFor(
        async () => {
          const res = await fetch(`${gatewayUrl}/readyz`);
          return (
            res.ok && ((await res.json()) as { readyNodes: number }).readyNodes === nodes.length
          );
        },
        { timeoutMs: 30000, intervalMs: 100, what: 'the gateway to see every node ready' },
      );
    }

    return {
      prefix,
      redisUrl,
      gatewayUrl,
      gateway,
      nodes,
      registry,
      stop: async () => {
        await Promise.all(launched.map((l) => l.stop()));
        await cleanupPrefix(redis, prefix);
        await closeRedis(redis);
      },
    };
  } catch (err) {
    await Promise.all(launched.map((l) => l.stop()));
    await cleanupPrefix(redis, prefix).catch(() => undefined);
    await closeRedis(redis);
    throw err;
  }
}
