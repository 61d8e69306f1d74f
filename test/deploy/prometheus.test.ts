import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, requireTool, tool } from './tools';

/** deploy/prometheus through promtool: config, rules, and a unit test per alert. */
const DIR = join(ROOT, 'deploy', 'prometheus');

beforeAll(() => requireTool('promtool'));

it('promtool check config accepts prometheus.yml and the rule files it names', async () => {
  const r = await tool('promtool', ['check', 'config', 'prometheus.yml'], { cwd: DIR });
  expect(r.stderr + r.stdout).toContain('SUCCESS: 2 rule files found');
  expect(r.code).toBe(0);
});

it('promtool check rules accepts every rule file', async () => {
  const r = await tool(
    'promtool',
    ['check', 'rules', 'rules/capacity.rules.yml', 'rules/alerts.rules.yml'],
    {
      cwd: DIR,
    },
  );
  expect(r.code).toBe(0);
  expect(r.stdout.match(/SUCCESS/g)).toHaveLength(2);
});

it('promtool test rules: every alert fires, and only when it should', async () => {
  const r = await tool('promtool', ['test', 'rules', 'tests/alerts.test.yml'], { cwd: DIR });
  expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
  expect(r.code).toBe(0);
});

it('every alert has a unit test and a runbook line', async () => {
  const rules = await readFile(join(DIR, 'rules', 'alerts.rules.yml'), 'utf8');
  const tests = await readFile(join(DIR, 'tests', 'alerts.test.yml'), 'utf8');
  const runbook = await readFile(join(ROOT, 'docs', 'operations.md'), 'utf8');
  const alerts = [...rules.matchAll(/- alert: (\w+)/g)].map((m) => m[1]!);
  expect(alerts.length).toBeGreaterThanOrEqual(10);
  for (const alert of alerts) {
    expect([alert, tests.includes(`alertname: ${alert}`)]).toEqual([alert, true]);
    expect([alert, runbook.includes(`\`${alert}\``)]).toEqual([alert, true]);
  }
});
