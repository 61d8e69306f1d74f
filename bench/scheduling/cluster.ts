import { execFileSync } from 'node:child_process';
import { freePort, startPrivateRedis, waitFor, type PrivateRedis } from '@switchyard/testing';
import { startFleet, type Fleet } from '../../test/e2e/support/fleet';
import { BIN, launch, type Launched } from '../../test/e2e/support/processes';
import { BENCH_FLEET, BENCH_MODEL, simArgs, workerArgs, type BenchNode } from './fleet-spec';
import type { SimNode } from './sim-probe';

/**
 * The cluster under test: a private Redis (or a given one, under a random prefix), the
 * simulated fleet with a worker-agent per node (the e2e fleet helper), and one gateway per
 * placement policy, all on the same fleet. Only one gateway gets traffic at a time; the
 * idle ones cost next to nothing, and nobody has to restart between policies.
 */
export const POLICIES = ['switchyard', 'round-robin', 'random'] as const;
export type Policy = (typeof POLICIES)[number];

export interface BenchCluster {
  redisUrl: string;
  prefix: string;
  nodes: (SimNode & { spec: BenchNode; nodeId: string })[];
  gateways: Record<Policy, string | undefined>;
  /** Whether the gateway has a `--placement` option (if not, every policy is the same one). */
  placementOption: boolean;
  nodeName(nodeId: string): string;
  /**
   * Whether every node sent a heartbeat after `since` (Unix ms) that shows nothing running or
   * waiting: then every gateway's view of the fleet is idle too.
   */
  registryIdleSince(since: number): Promise<boolean>;
  stop(): Promise<void>;
}

/** Whether this build's gateway takes `--placement` (it is being added). */
export function gatewayHasPlacementOption(): boolean {
  const help = execFileSync(process.execPath, [BIN, 'gateway', '--help'], { encoding: 'utf8' });
  return help.includes('--placement');
}

function gatewayPlacement(
  policy: Policy,
  option: boolean,
): { args: string[]; env: Record<string, string> } {
  return {
    args: option ? ['--placement', policy] : [],
    // The replayed traces steer with x-switchyard-session as anonymous clients.
    env: { SWITCHYARD_PLACEMENT: policy, SWITCHYARD_ANONYMOUS_ROUTING_HEADERS: 'true' },
  };
}

export async function startBenchCluster(opts: {
  redisUrl?: string;
  policies: readonly Policy[];
  onStop: (stop: () => Promise<void>) => void;
}): Promise<BenchCluster> {
  const placementOption = gatewayHasPlacementOption();
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (let stop = stops.pop(); stop; stop = stops.pop()) await stop().catch(() => undefined);
  };
  opts.onStop(stopAll);

  let redis: PrivateRedis | undefined;
  if (!opts.redisUrl) {
    redis = await startPrivateRedis();
    stops.push(() => redis!.stop());
  }
  const redisUrl = opts.redisUrl ?? redis!.url;
  const [first, ...others] = opts.policies;
  if (!first) throw new Error('no placement policy to run');
  const firstPlacement = gatewayPlacement(first, placementOption);
  const fleet: Fleet = await startFleet({
    model: BENCH_MODEL,
    redisUrl,
    nodes: BENCH_FLEET.map((node) => ({
      engine: node.engine,
      slots: node.slots,
      decodeMs: node.decodeMs,
      simArgs: simArgs(node),
      workerArgs: workerArgs(node),
      extraPlanes: node.engine === 'mindie',
    })),
    gatewayArgs: firstPlacement.args,
    gatewayEnv: firstPlacement.env,
  });
  stops.push(() => fleet.stop());

  const gateways: Record<Policy, string | undefined> = {
    switchyard: undefined,
    'round-robin': undefined,
    random: undefined,
  };
  gateways[first] = fleet.gatewayUrl;
  const extra: Launched[] = [];
  stops.push(() => Promise.all(extra.map((g) => g.stop())).then(() => undefined));
  for (const policy of others) {
    const port = await freePort();
    const placement = gatewayPlacement(policy, placementOption);
    extra.push(
      launch(`gateway-${policy}`, ['gateway', '--port', String(port), ...placement.args], {
        REDIS_URL: redisUrl,
        SWITCHYARD_PREFIX: fleet.prefix,
        ...placement.env,
      }),
    );
    gateways[policy] = `http://127.0.0.1:${port}`;
  }
  for (const policy of others) await waitReady(gateways[policy]!, BENCH_FLEET.length);

  const nodes = BENCH_FLEET.map((spec, i) => ({
    spec,
    name: spec.name,
    slots: spec.slots,
    nodeId: fleet.nodes[i]!.nodeId,
    simUrl: fleet.nodes[i]!.simUrl,
  }));
  const names = new Map(nodes.map((n) => [n.nodeId, n.name]));
  return {
    redisUrl,
    prefix: fleet.prefix,
    nodes,
    gateways,
    placementOption,
    nodeName: (nodeId) => names.get(nodeId) ?? nodeId,
    registryIdleSince: async (since) => {
      const snapshots = await fleet.registry();
      return (
        snapshots.length === nodes.length &&
        snapshots.every((s) => s.at > since && s.load.running === 0 && s.load.waiting === 0)
      );
    },
    stop: stopAll,
  };
}

async function waitReady(gatewayUrl: string, nodes: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await fetch(`${gatewayUrl}/readyz`);
      return res.ok && ((await res.json()) as { readyNodes: number }).readyNodes === nodes;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: `gateway ${gatewayUrl} to see every node ready` },
  );
}
