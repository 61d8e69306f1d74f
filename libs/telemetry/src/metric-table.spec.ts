import { GATEWAY_METRICS, WORKER_METRICS, createMetrics } from './metric-table';

/** Base-unit suffixes (and the few unitless names Prometheus convention allows). */
const NAME =
  /^switchyard_[a-z0-9_]+_(total|seconds|ratio|bytes|requests|nodes|up|state|slots|per_second|celsius|watts|healthy|info)$/;

describe('metric table', () => {
  it.each([
    ['gateway', GATEWAY_METRICS],
    ['worker', WORKER_METRICS],
  ] as const)('%s metrics follow the naming rules and render', async (_name, table) => {
    for (const [name, def] of Object.entries(table)) {
      expect(name).toMatch(NAME);
      // `_total` only on counters, and every counter ends in it.
      expect(name.endsWith('_total')).toBe(def.kind === 'counter');
      expect(name).not.toMatch(/switchyard_.*switchyard_|_process_process_/);
    }
    const { registry } = createMetrics(table);
    const text = await registry.metrics();
    for (const name of Object.keys(table)) expect(text).toContain(`# TYPE ${name} `);
  });

  it('exports Node process metrics under their standard names, without a doubled prefix', async () => {
    const text = await createMetrics(GATEWAY_METRICS).registry.metrics();
    expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(text).not.toMatch(/process_process_|switchyard_process_/);
  });

  it('counts with labels', async () => {
    const { registry, metrics } = createMetrics(GATEWAY_METRICS);
    metrics.switchyard_requests_total.inc({ dialect: 'openai', model: 'm', outcome: 'ok' });
    expect(await registry.metrics()).toContain(
      'switchyard_requests_total{dialect="openai",model="m",outcome="ok"} 1',
    );
  });

  it('puts default labels (a worker’s node and engine) on every series', async () => {
    const { registry, metrics } = createMetrics(WORKER_METRICS, { node: 'gpu-0', engine: 'vllm' });
    metrics.switchyard_node_generation_tokens_total.inc({ model: 'm' }, 5);
    const text = await registry.metrics();
    expect(text).toContain(
      'switchyard_node_generation_tokens_total{model="m",node="gpu-0",engine="vllm"} 5',
    );
    expect(text).toMatch(/^process_cpu_seconds_total\{node="gpu-0",engine="vllm"\} /m);
  });
});
