import { GATEWAY_METRICS, WORKER_METRICS, createMetrics } from './metric-table';

describe('metric table', () => {
  it.each([
    ['gateway', GATEWAY_METRICS],
    ['worker', WORKER_METRICS],
  ] as const)('%s metrics follow the naming rules and render', async (_name, table) => {
    for (const name of Object.keys(table)) {
      expect(name).toMatch(
        /^switchyard_[a-z_]+_(total|seconds|ratio|bytes|requests|nodes|up|state|slots|per_second|celsius|watts|healthy)$/,
      );
    }
    const { registry } = createMetrics(table);
    const text = await registry.metrics();
    for (const name of Object.keys(table)) expect(text).toContain(`# TYPE ${name} `);
  });

  it('counts with labels', async () => {
    const { registry, metrics } = createMetrics(GATEWAY_METRICS);
    metrics.switchyard_requests_total.inc({ dialect: 'openai', model: 'm', outcome: 'ok' });
    expect(await registry.metrics()).toContain(
      'switchyard_requests_total{dialect="openai",model="m",outcome="ok"} 1',
    );
  });
});
