import { randomBytes } from 'node:crypto';
import { slow } from './support/scripts';
import { MODEL, counterValue, useGateway } from './support/gateway-harness';

/**
 * What the gateway's /metrics says about requests: capacity figures per served model, and
 * labels from closed sets only — a client naming models at random mints no series.
 */
const gw = useGateway();

/** Every series of the text (name and labels), without comments. */
function seriesOf(metrics: string): Set<string> {
  const out = new Set<string>();
  for (const line of metrics.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    out.add(line.slice(0, line.lastIndexOf(' ')));
  }
  return out;
}

/** Switchyard's own series (Node's process series vary with GC and handle kinds). */
const own = (series: Set<string>) =>
  new Set([...series].filter((s) => s.startsWith('switchyard_')));

/** The value of a series without labels. */
const plain = (metrics: string, name: string): number =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);

const randomModel = () => `no-such-${randomBytes(6).toString('hex')}`;

async function askFor(model: string, path: string): Promise<number> {
  const body =
    path === '/api/chat'
      ? { model, stream: false, messages: [{ role: 'user', content: 'hi' }] }
      : { model, messages: [{ role: 'user', content: 'hi' }] };
  const res = await gw.chat({ path, body });
  await res.arrayBuffer();
  return res.status;
}

it('1,000 requests with random model names add no metric series', async () => {
  await gw.node({ id: 'node-a' });
  await gw.untilReadyNodes(1);
  const paths = ['/v1/chat/completions', '/api/chat'];
  // The first unknown model of each dialect creates its `model="other"` series.
  for (const path of paths) expect(await askFor(randomModel(), path)).toBe(404);
  const before = own(seriesOf(await gw.metrics()));

  const names: string[] = Array.from({ length: 1000 }, randomModel);
  for (let i = 0; i < names.length; i += 25) {
    const statuses = await Promise.all(
      names.slice(i, i + 25).map((m, j) => askFor(m, paths[(i + j) % 2]!)),
    );
    expect(statuses.every((s) => s === 404)).toBe(true);
  }

  const text = await gw.metrics();
  expect([...own(seriesOf(text))].sort()).toEqual([...before].sort());
  expect(names.filter((n) => text.includes(n))).toEqual([]);
  expect(
    counterValue(text, 'switchyard_requests_total', {
      dialect: 'openai',
      model: 'other',
      outcome: 'client_error',
    }),
  ).toBe(501);
  expect(
    counterValue(text, 'switchyard_scheduling_refusals_total', {
      model: 'other',
      filter: 'serves-model',
    }),
  ).toBeGreaterThanOrEqual(1002);
  expect(
    counterValue(text, 'switchyard_scheduling_decisions_total', {
      model: 'other',
      outcome: 'no_node',
    }),
  ).toBeGreaterThanOrEqual(1002);
}, 120_000);

it('counts tokens, time per output token and decisions per served model', async () => {
  await gw.node({ id: 'node-a', script: slow(20, 'four tokens here', 4) });
  await gw.untilReadyNodes(1);
  const res = await gw.chat({ stream: true });
  await res.text();
  expect(res.status).toBe(200);

  const text = await gw.metrics();
  const tokens = { model: MODEL, tenant: 'anonymous' };
  expect(counterValue(text, 'switchyard_generation_tokens_total', tokens)).toBe(4);
  expect(counterValue(text, 'switchyard_prompt_tokens_total', tokens)).toBeGreaterThan(0);
  const itl = { dialect: 'openai', model: MODEL };
  expect(counterValue(text, 'switchyard_inter_token_latency_seconds_count', itl)).toBe(1);
  // Three gaps of about 20 ms each.
  const perToken = counterValue(text, 'switchyard_inter_token_latency_seconds_sum', itl);
  expect(perToken).toBeGreaterThan(0.01);
  expect(perToken).toBeLessThan(1);
  expect(counterValue(text, 'switchyard_time_to_first_token_seconds_count', itl)).toBe(1);
  expect(
    counterValue(text, 'switchyard_scheduling_decisions_total', {
      model: MODEL,
      outcome: 'placed',
    }),
  ).toBe(1);
  expect(plain(text, 'switchyard_scheduling_decision_duration_seconds_count')).toBe(1);
  expect(counterValue(text, 'switchyard_model_ready_nodes', { model: MODEL })).toBe(1);
  expect(plain(text, 'switchyard_redis_up')).toBe(1);
  expect(
    counterValue(text, 'switchyard_circuit_breaker_state', { node: 'node-a', state: 'closed' }),
  ).toBe(1);
  expect(
    counterValue(text, 'switchyard_queue_wait_seconds_count', {
      model: MODEL,
      priority: '5',
      queue: 'node',
    }),
  ).toBe(1);
});
