import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@switchyard/testing';
import { parse } from 'yaml';
import { startFleet, type Fleet } from './support/fleet';
import { REPO, stopProcess } from './support/processes';

/**
 * A real Prometheus (Debian's `prometheus`) scrapes a running simulated fleet — the gateway
 * directly, the worker-agents through the gateway's HTTP-SD endpoint — and loads the shipped
 * recording and alert rules. After some traffic, a failing node and a request for an unknown
 * model, every recording rule and every query of every dashboard panel must evaluate without
 * error and return at least one series.
 */
const MODEL = 'prom-model';
const DEPLOY = join(REPO, 'deploy');

interface Target {
  expr: string;
}
interface Panel {
  title: string;
  type: string;
  targets?: Target[];
}
interface Dashboard {
  title: string;
  panels: Panel[];
  templating: { list: { name: string; definition?: string }[] };
}
interface RuleGroup {
  rules: { record?: string; alert?: string; expr: string }[];
}

let fleet: Fleet;
let prometheus: ChildProcess | undefined;
let promUrl = '';
let promLog = '';
let dataDir = '';

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [
      { slots: 2, decodeMs: 3, workerArgs: ['--telemetry', 'gpu:NVIDIA GeForce RTX 4090x1'] },
      { slots: 2, decodeMs: 3, workerArgs: ['--telemetry', 'npu:910B3x2'] },
      {
        slots: 4,
        decodeMs: 2,
        engine: 'vllm',
        workerArgs: ['--telemetry', 'gpu:NVIDIA H100 80GB HBM3x2'],
      },
    ],
  });
  dataDir = mkdtempSync(join(tmpdir(), 'sy-prometheus-'));
  const port = await freePort();
  promUrl = `http://127.0.0.1:${port}`;
  const gateway = new URL(fleet.gatewayUrl).host;
  // The shipped config, with test-only intervals and this fleet's gateway.
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    rule_files: [
      join(DEPLOY, 'prometheus', 'rules', 'capacity.rules.yml'),
      join(DEPLOY, 'prometheus', 'rules', 'alerts.rules.yml'),
    ],
    scrape_configs: [
      { job_name: 'switchyard-gateway', static_configs: [{ targets: [gateway] }] },
      {
        job_name: 'switchyard-workers',
        honor_labels: true,
        http_sd_configs: [
          { url: `${fleet.gatewayUrl}/admin/v1/prometheus/targets`, refresh_interval: '1s' },
        ],
      },
    ],
  };
  writeFileSync(join(dataDir, 'prometheus.yml'), JSON.stringify(config));
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dataDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (b: Buffer) => (promLog += b.toString()));
  prometheus.stderr?.on('data', (b: Buffer) => (promLog += b.toString()));
  await waitFor(async () => (await fetch(`${promUrl}/-/ready`).catch(() => null))?.ok === true, {
    timeoutMs: 30_000,
    what: `Prometheus ready\n${promLog}`,
  });
}, 120_000);

afterAll(async () => {
  if (prometheus) await stopProcess(prometheus);
  await fleet?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function chat(model = MODEL, maxTokens = 12): Promise<number> {
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model,
      stream: true,
      max_tokens: maxTokens,
      messages: [{ role: 'user', content: `tell me something ${Math.random()}` }],
    }),
  });
  await res.text();
  return res.status;
}

async function query(expr: string): Promise<{ error?: string; series: number }> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as {
    status: string;
    error?: string;
    data?: { result: unknown[] };
  };
  if (body.status !== 'success') return { error: body.error ?? `HTTP ${res.status}`, series: 0 };
  return { series: body.data?.result.length ?? 0 };
}

function dashboards(): Dashboard[] {
  const dir = join(DEPLOY, 'grafana', 'dashboards');
  return ['switchyard-capacity.json', 'switchyard-node.json'].map(
    (f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard,
  );
}

function recordingRules(): { record: string; expr: string }[] {
  const text = readFileSync(join(DEPLOY, 'prometheus', 'rules', 'capacity.rules.yml'), 'utf8');
  const groups = (parse(text) as { groups: RuleGroup[] }).groups;
  return groups.flatMap((g) =>
    g.rules.flatMap((r) => (r.record ? [{ record: r.record, expr: r.expr }] : [])),
  );
}

it('scrapes every worker-agent through HTTP-SD, with node, engine and model labels', async () => {
  // Each agent is ready (its pod's readiness probe) at the URL it advertised, and every
  // series it exports names its node and engine, however it is scraped.
  for (const s of await fleet.registry()) {
    expect((await fetch(`${s.info.agentUrl!}/readyz`)).status).toBe(200);
    const samples = (await (await fetch(`${s.info.agentUrl!}/metrics`)).text())
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.length).toBeGreaterThan(50);
    const identity = `node="${s.info.id}",engine="${s.info.engine}"`;
    expect(samples.filter((line) => !line.includes(identity))).toEqual([]);
  }
  await waitFor(
    async () => {
      const res = await fetch(`${promUrl}/api/v1/targets?state=active`);
      const body = (await res.json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string }[] };
      };
      const workers = body.data.activeTargets.filter(
        (t) => t.labels['job'] === 'switchyard-workers' && t.health === 'up',
      );
      const nodes = workers.map((t) => t.labels['node']).sort();
      return (
        JSON.stringify(nodes) === JSON.stringify(fleet.nodes.map((n) => n.nodeId).sort()) &&
        workers.every((t) => t.labels['model'] === MODEL && t.labels['engine'])
      );
    },
    { timeoutMs: 30_000, what: 'Prometheus to scrape every worker found through HTTP-SD' },
  );
}, 60_000);

it('evaluates every recording rule and every dashboard panel query with data', async () => {
  // Traffic on every node, then a node that fails every request (failovers, engine errors,
  // a breaker trip), then a request for a model nobody serves (a refusal).
  for (let round = 0; round < 4; round++) {
    const statuses = await Promise.all(Array.from({ length: 8 }, () => chat()));
    expect(statuses.every((s) => s === 200)).toBe(true);
  }
  const faulty = fleet.nodes[0]!;
  const faults = (body: object) =>
    fetch(`${faulty.simUrl}/__sim/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await faults({ failRate: 1 })).ok).toBe(true);
  try {
    // Bursts as wide as the fleet's slots, so placement uses the failing node too, until
    // its failures have been failed over and have opened its breaker.
    const tripped = async () => {
      const text = await (await fetch(`${fleet.gatewayUrl}/metrics`)).text();
      return text.includes('switchyard_failovers_total{') && text.includes('trips_total{');
    };
    for (let burst = 0; burst < 20 && !(await tripped()); burst++)
      await Promise.all(Array.from({ length: 8 }, () => chat(MODEL, 4)));
    expect(await tripped()).toBe(true);
  } finally {
    await faults({ failRate: 0 });
  }
  expect(await chat('nobody-serves-this')).toBe(404);
  // Keep a light load going while Prometheus evaluates, so rates stay non-zero.
  let stop = false;
  const load = (async () => {
    while (!stop) await chat();
  })();

  const vars: Record<string, string> = { model: MODEL, node: faulty.nodeId };
  const substitute = (expr: string) =>
    expr.replace(/\$\{?(\w+)\}?/g, (m, name: string) => vars[name] ?? m);
  const queries: { what: string; expr: string }[] = [
    ...recordingRules().flatMap((r) => [
      { what: `rule ${r.record} (expression)`, expr: r.expr },
      { what: `rule ${r.record} (recorded)`, expr: r.record },
    ]),
    ...dashboards().flatMap((d) =>
      d.panels.flatMap((p) =>
        (p.targets ?? []).map((t) => ({
          what: `${d.title} / ${p.title}`,
          expr: substitute(t.expr),
        })),
      ),
    ),
  ];
  expect(queries.length).toBeGreaterThan(60);

  let failing: string[] = [];
  try {
    await waitFor(
      async () => {
        const results = await Promise.all(
          queries.map(async (q) => ({ q, r: await query(q.expr) })),
        );
        failing = results
          .filter(({ r }) => r.error !== undefined || r.series === 0)
          .map(({ q, r }) => `${q.what}: ${r.error ?? 'no series'}\n    ${q.expr}`);
        return failing.length === 0;
      },
      { timeoutMs: 60_000, intervalMs: 2000, what: 'every query to return data' },
    );
  } catch {
    throw new Error(`queries without data or with errors:\n${failing.join('\n')}\n${promLog}`);
  } finally {
    stop = true;
    await load;
  }

  // Template variables resolve to this fleet's model and nodes.
  for (const d of dashboards()) {
    for (const v of d.templating.list) {
      const m = /^label_values\((\w+), (\w+)\)$/.exec(v.definition ?? '');
      if (!m) continue;
      const res = await fetch(`${promUrl}/api/v1/label/${m[2]}/values?match[]=${m[1]}`);
      const values = ((await res.json()) as { data: string[] }).data;
      expect([d.title, v.name, values.includes(vars[v.name]!)]).toEqual([d.title, v.name, true]);
    }
  }
}, 180_000);
