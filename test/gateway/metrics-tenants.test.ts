import { randomBytes } from 'node:crypto';
import { MODEL, counterValue, useGateway } from './support/gateway-harness';

/**
 * Token counters per tenant, from a closed set: configured tenants, `anonymous`, `other`. On
 * an open gateway (auth off) unknown keys are the one anonymous tenant.
 */
const gw = useGateway({
  auth: 'off',
  tenants: [
    {
      apiKey: 'sk-team-a',
      name: 'team-a',
      priority: 5,
      budgetPeriod: 'day',
      routingHeaders: false,
    },
  ],
});

it('counts tokens per configured tenant; unknown keys are `anonymous`', async () => {
  await gw.node({ id: 'node-a' });
  await gw.untilReadyNodes(1);
  const keys = [
    'sk-team-a',
    ...Array.from({ length: 5 }, () => `sk-${randomBytes(6).toString('hex')}`),
  ];
  for (const key of keys) {
    const res = await gw.chat({ headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  }
  const text = await gw.metrics();
  const tokens = (tenant: string) =>
    counterValue(text, 'switchyard_generation_tokens_total', { model: MODEL, tenant });
  expect(tokens('team-a')).toBe(1);
  expect(tokens('anonymous')).toBe(5);
  expect(text).not.toMatch(/tenant="key-/);
});
