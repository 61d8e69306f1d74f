import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pingRedis } from '@switchyard/cluster';
import { freePort } from './free-port';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 15_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Redis servers started for one test; `stop()` kills every one of them (call it in afterAll). */
export interface RedisProcesses {
  /** One URL per started data node (masters first, then replicas). */
  readonly urls: string[];
  readonly ports: number[];
  /** `redis-cli` against one port, e.g. `cli(port, 'CLUSTER', 'INFO')`. */
  cli(port: number, ...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export interface RedisSentinelSet extends RedisProcesses {
  readonly masterName: string;
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly sentinelPort: number;
  /** `redis+sentinel://127.0.0.1:<sentinel>/<master>`. */
  readonly sentinelUrl: string;
}

/** Every redis-server this module started and has not stopped: killed if the test process exits. */
const alive = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of alive) p.kill('SIGKILL');
});

class Servers {
  readonly procs: ChildProcess[] = [];
  readonly dir = mkdtempSync(join(tmpdir(), 'sy-redis-'));

  start(port: number, extra: string[], sentinel = false): void {
    const args = sentinel
      ? [join(this.dir, `sentinel-${port}.conf`), '--sentinel', '--port', String(port)]
      : ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', this.dir];
    const proc = spawn('redis-server', [...args, '--bind', '127.0.0.1', ...extra], {
      stdio: 'ignore',
    });
    proc.once('exit', () => alive.delete(proc));
    alive.add(proc);
    this.procs.push(proc);
  }

  async waitReady(ports: number[]): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const port of ports) {
      while (!(await pingRedis(`redis://127.0.0.1:${port}`, 200))) {
        if (Date.now() > deadline) throw new Error(`redis on port ${port} did not start`);
        await sleep(50);
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once('exit', () => resolve());
            p.kill('SIGKILL');
          }),
      ),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A port for a cluster node: its cluster bus listens on port + 10000, which must be a
 * valid port and free too. Random ports below 32768 (under the kernel's ephemeral range).
 */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 12000 + Math.floor(Math.random() * 20000);
    if (taken.has(port) || taken.has(port + 10000)) continue;
    if ((await portFree(port)) && (await portFree(port + 10000))) {
      taken.add(port).add(port + 10000);
      return port;
    }
  }
  throw new Error('no free port pair for a cluster node');
}

async function cli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), ...args]);
  return stdout;
}

/**
 * A local Redis Cluster of `masters` masters, each with `replicas` replicas (default none),
 * on free ports, without persistence, in a temp dir. Needs `redis-server` and `redis-cli`.
 */
export async function startRedisCluster(masters = 3, replicas = 0): Promise<RedisProcesses> {
  const servers = new Servers();
  try {
    const ports: number[] = [];
    const taken = new Set<number>();
    for (let i = 0; i < masters * (1 + replicas); i++) ports.push(await freeClusterPort(taken));
    for (const port of ports) {
      servers.start(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        join(servers.dir, `nodes-${port}.conf`),
        '--cluster-node-timeout',
        '2000',
        // A one-node cluster never learns its own address (no MEET): announce it.
        '--cluster-announce-ip',
        '127.0.0.1',
      ]);
    }
    await servers.waitReady(ports);
    if (masters === 1) {
      // redis-cli refuses a one-master cluster: every slot to the one node, by hand.
      const slots = Array.from({ length: 16384 }, (_, i) => String(i));
      await cli(ports[0]!, 'CLUSTER', 'ADDSLOTS', ...slots);
    } else {
      await run('redis-cli', [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        String(replicas),
        '--cluster-yes',
      ]);
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (const port of ports) {
      while (!/cluster_state:ok/.test(await cli(port, 'CLUSTER', 'INFO'))) {
        if (Date.now() > deadline) throw new Error(`cluster node ${port} never reached state ok`);
        await sleep(100);
      }
    }
    return {
      urls: ports.map((p) => `redis://127.0.0.1:${p}`),
      ports,
      cli,
      stop: () => servers.stop(),
    };
  } catch (err) {
    await servers.stop();
    throw err;
  }
}

/**
 * A master, one replica and one Sentinel watching them (quorum 1, fast failure detection),
 * on free ports. `SENTINEL FAILOVER <masterName>` on the sentinel swaps the two.
 */
export async function startRedisSentinel(masterName = 'symaster'): Promise<RedisSentinelSet> {
  const servers = new Servers();
  try {
    const [masterPort, replicaPort, sentinelPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
    ] as [number, number, number];
    servers.start(masterPort, []);
    servers.start(replicaPort, ['--replicaof', '127.0.0.1', String(masterPort)]);
    await servers.waitReady([masterPort, replicaPort]);
    writeFileSync(
      join(servers.dir, `sentinel-${sentinelPort}.conf`),
      [
        `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
    servers.start(sentinelPort, [], true);
    await servers.waitReady([sentinelPort]);
    // The sentinel must know the replica before a failover can pick it.
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (
      !(await cli(sentinelPort, 'SENTINEL', 'REPLICAS', masterName)).includes(String(replicaPort))
    ) {
      if (Date.now() > deadline) throw new Error('sentinel never discovered the replica');
      await sleep(200);
    }
    return {
      urls: [`redis://127.0.0.1:${masterPort}`, `redis://127.0.0.1:${replicaPort}`],
      ports: [masterPort, replicaPort],
      masterName,
      masterPort,
      replicaPort,
      sentinelPort,
      sentinelUrl: `redis+sentinel://127.0.0.1:${sentinelPort}/${masterName}`,
      cli,
      stop: () => servers.stop(),
    };
  } catch (err) {
    await servers.stop();
    throw err;
  }
}
