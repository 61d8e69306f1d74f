import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AdminNode } from '@switchyard/contracts';
import { createRedis } from '@switchyard/cluster';
import { cleanupPrefix, freePort, randomPrefix, testRedisUrl, waitFor } from '@switchyard/testing';
import { BIN, REPO, descendants, exited, isAlive } from './support/processes';

/**
 * `switchyard up` from the outside: it says "ready" only once every node of its fleet is,
 * with a line per node; `--fleet` and `--prefix` shape the cluster; and no child outlives
 * it, whatever ended it — here SIGTERM followed 1.5 s later by SIGKILL (what a supervisor or
 * CI does), and a plain kill -9, each with the private redis-server `up` started.
 */

interface Up {
  proc: ChildProcess;
  port: number;
  output(): string;
}

function startUp(args: string[], env: NodeJS.ProcessEnv): Promise<Up> {
  return freePort().then((port) => {
    const proc = spawn(process.execPath, [BIN, 'up', '--port', String(port), ...args], {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (out += b.toString()));
    return { proc, port, output: () => out };
  });
}

async function untilReady(up: Up): Promise<void> {
  await waitFor(() => /switchyard: ready at /.test(up.output()), {
    timeoutMs: 90_000,
    intervalMs: 200,
    what: `up to say ready\n${up.output()}`,
  });
}

async function noneLeft(family: number[], what: string): Promise<void> {
  await waitFor(() => family.every((pid) => !isAlive(pid)), {
    timeoutMs: 8000,
    intervalMs: 100,
    what,
  });
}

function kill(up: Up): void {
  if (up.proc.exitCode === null && up.proc.signalCode === null) up.proc.kill('SIGKILL');
}

it('reports each node of a --fleet file as it becomes ready, under --prefix, then "ready"', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-fleet-'));
  const file = join(dir, 'fleet.yaml');
  writeFileSync(
    file,
    [
      '- engine: llamacpp',
      '  model: fleet-small',
      '  slots: 2',
      '  decodeMs: 2',
      '  telemetry: gpu:NVIDIA L4x1',
      '  labels: { zone: a }',
      '- engine: vllm',
      '  model: fleet-big',
      '  slots: 3',
      '  id: big',
      '  count: 2',
    ].join('\n'),
  );
  const prefix = randomPrefix();
  const up = await startUp(['--fleet', file, '--prefix', prefix], { REDIS_URL: testRedisUrl() });
  const redis = createRedis(testRedisUrl());
  try {
    await untilReady(up);
    const lines = up.output().split('\n');
    const progress = lines.filter((l) => /^switchyard: node \S+ ready/.test(l));
    expect(progress).toHaveLength(3);
    expect(progress.map((l) => l.match(/\[(\d)\/3\]$/)?.[1]).sort()).toEqual(['1', '2', '3']);
    // "ready" comes after every node's line, and no child's JSON log reached the terminal.
    const readyAt = lines.findIndex((l) => l.startsWith('switchyard: ready at'));
    expect(readyAt).toBeGreaterThan(lines.indexOf(progress[2]!));
    expect(lines.filter((l) => l.trimStart().startsWith('{'))).toEqual([]);

    const res = await fetch(`http://127.0.0.1:${up.port}/admin/v1/nodes`);
    const { nodes } = (await res.json()) as { nodes: AdminNode[] };
    expect(nodes.map((n) => [n.id, n.engine, n.models[0], n.slots.total])).toEqual([
      ['big-0', 'vllm', 'fleet-big', 3],
      ['big-1', 'vllm', 'fleet-big', 3],
      ['llamacpp-0', 'llamacpp', 'fleet-small', 2],
    ]);
    expect(nodes[2]!.labels).toEqual({ zone: 'a' });
    expect(nodes[2]!.accelerators.map((d) => d.name)).toEqual(['NVIDIA L4']);
    // Under the prefix given, not the default one.
    expect(await redis.exists(`${prefix}{reg}:nodes`)).toBe(1);
  } finally {
    kill(up);
    await exited(up.proc);
    await cleanupPrefix(redis, prefix);
    await redis.quit();
  }
}, 120_000);

it('rejects a fleet file that is not a list of nodes, naming every problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-fleet-'));
  const file = join(dir, 'fleet.json');
  writeFileSync(
    file,
    JSON.stringify([
      { engine: 'tpu', model: 'm' },
      { model: 'x', slots: -1 },
    ]),
  );
  const up = await startUp(['--fleet', file], { REDIS_URL: testRedisUrl() });
  try {
    expect(await exited(up.proc)).toBe(1);
  } finally {
    kill(up);
  }
  expect(up.output()).toMatch(/0\.engine/);
  expect(up.output()).toMatch(/1\.engine/);
  expect(up.output()).toMatch(/1\.slots/);
}, 30_000);

describe.each([
  ['SIGTERM, then SIGKILL 1.5 s later', true],
  ['kill -9', false],
])('after %s', (_how, termFirst) => {
  it('no child of up is left, the private redis-server included', async () => {
    const deadRedis = await freePort(); // nothing listens: up starts its own redis-server
    const up = await startUp([], { REDIS_URL: `redis://127.0.0.1:${deadRedis}` });
    try {
      await untilReady(up);
      expect(up.output()).toMatch(/started a private redis-server/);
      const family = descendants(up.proc.pid!);
      // redis (tether + server), 3 sims, 3 workers, the gateway
      expect(family.length).toBeGreaterThanOrEqual(9);
      if (termFirst) {
        up.proc.kill('SIGTERM');
        await new Promise((r) => setTimeout(r, 1500));
      }
      up.proc.kill('SIGKILL');
      await exited(up.proc);
      await noneLeft(family, `every child of up to exit\n${up.output()}`);
    } finally {
      kill(up);
    }
  }, 150_000);
});

it('SIGHUP stops the whole cluster, the private redis-server included', async () => {
  const deadRedis = await freePort();
  const up = await startUp([], { REDIS_URL: `redis://127.0.0.1:${deadRedis}` });
  try {
    await untilReady(up);
    const family = descendants(up.proc.pid!);
    up.proc.kill('SIGHUP');
    expect(await exited(up.proc)).toBe(0);
    await noneLeft(family, `every child of up to exit after SIGHUP\n${up.output()}`);
  } finally {
    kill(up);
  }
}, 150_000);

it('stops the whole cluster when the process that started up dies', async () => {
  const deadRedis = await freePort();
  const port = await freePort();
  // A parent that starts `up` and is then killed outright, as a terminal or supervisor may be.
  const parent = spawn(
    process.execPath,
    [
      '-e',
      `require('child_process').spawn(process.execPath, ${JSON.stringify([BIN, 'up', '--port', String(port)])}, { stdio: 'inherit' }); setInterval(() => {}, 1000);`,
    ],
    {
      cwd: REPO,
      env: { ...process.env, LOG_LEVEL: 'warn', REDIS_URL: `redis://127.0.0.1:${deadRedis}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  parent.stderr.on('data', (b: Buffer) => (out += b.toString()));
  try {
    await waitFor(() => /switchyard: ready at /.test(out), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: `up to say ready\n${out}`,
    });
    const family = descendants(parent.pid!);
    expect(family.length).toBeGreaterThanOrEqual(10); // up and its nine
    parent.kill('SIGKILL');
    await waitFor(() => family.every((pid) => !isAlive(pid)), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: `up and every child to exit once its parent died\n${out}`,
    });
    expect(out).toMatch(/stopping \(parent exited\)/);
  } finally {
    if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  }
}, 150_000);
