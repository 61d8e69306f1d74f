import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from './tools';

/**
 * deploy/grafana: provisioning that finds the dashboards where compose mounts them, and
 * dashboards whose every panel has a query on the provisioned datasource. (Each query is
 * evaluated against a real Prometheus in test/e2e/prometheus.e2e.test.ts.)
 */
const GRAFANA = join(ROOT, 'deploy', 'grafana');

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { expr: string; refId: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; current?: { value: string } }[] };
  links: { url: string }[];
}

const dashboards = readdirSync(join(GRAFANA, 'dashboards')).map(
  (f) => JSON.parse(readFileSync(join(GRAFANA, 'dashboards', f), 'utf8')) as Dashboard,
);
const datasource = (
  parse(readFileSync(join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
    datasources: { uid: string; type: string }[];
  }
).datasources[0]!;

it('provisions the Prometheus datasource and the dashboards folder compose mounts', () => {
  expect(datasource.type).toBe('prometheus');
  const provider = (
    parse(readFileSync(join(GRAFANA, 'provisioning', 'dashboards', 'switchyard.yml'), 'utf8')) as {
      providers: { options: { path: string } }[];
    }
  ).providers[0]!;
  const compose = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
  expect(compose).toContain(`./deploy/grafana/dashboards:${provider.options.path}:ro`);
  expect(compose).toContain('./deploy/grafana/provisioning:/etc/grafana/provisioning:ro');
});

it('ships the capacity dashboard and the node drill-down, linked to each other', () => {
  expect(dashboards.map((d) => d.uid).sort()).toEqual(['switchyard-capacity', 'switchyard-node']);
  for (const d of dashboards) {
    const other = dashboards.find((x) => x !== d)!;
    expect(d.links.map((l) => l.url)).toContain(`/d/${other.uid}`);
  }
});

describe.each(dashboards.map((d) => [d.title, d] as const))('%s', (_title, d) => {
  it('queries the provisioned datasource through its datasource variable', () => {
    const variable = d.templating.list.find((v) => v.type === 'datasource');
    expect(variable?.current?.value).toBe(datasource.uid);
    for (const p of d.panels.filter((x) => x.type !== 'row')) {
      expect([p.title, p.datasource?.uid]).toEqual([p.title, '${datasource}']);
    }
  });

  it('gives every panel a unique id, a place on the 24-column grid and a query', () => {
    const ids = d.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of d.panels) {
      expect([p.title, p.gridPos.x + p.gridPos.w <= 24]).toEqual([p.title, true]);
      if (p.type === 'row') continue;
      expect([p.title, (p.targets ?? []).length > 0]).toEqual([p.title, true]);
      for (const t of p.targets ?? [])
        expect([p.title, t.expr.trim() !== '']).toEqual([p.title, true]);
    }
  });
});

it('covers what an operator asks of a capacity dashboard', () => {
  const capacity = dashboards.find((d) => d.uid === 'switchyard-capacity')!;
  const exprs = capacity.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join('\n');
  for (const needed of [
    'model:switchyard_demand_tokens_per_second:rate5m',
    'model:switchyard_capacity_tokens_per_second',
    'model:switchyard_headroom:ratio',
    'model:switchyard_queued_requests:max',
    'model:switchyard_queue_wait_seconds:p90_5m',
    'model:switchyard_time_to_first_token_seconds:p99_5m',
    'model:switchyard_inter_token_latency_seconds:p99_5m',
    'switchyard_node_slots',
    'switchyard_node_kv_cache_usage_ratio',
    'switchyard_accelerator_utilization_ratio',
    'switchyard_accelerator_memory_used_bytes',
    'switchyard_accelerator_power_watts',
    'switchyard_accelerator_temperature_celsius',
    'switchyard_failovers_total',
    'switchyard_circuit_breaker_trips_total',
  ])
    expect([needed, exprs.includes(needed)]).toEqual([needed, true]);
  expect(capacity.panels.filter((p) => p.type === 'heatmap').length).toBe(2);
});
