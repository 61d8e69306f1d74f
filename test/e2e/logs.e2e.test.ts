import { freePort, randomPrefix, waitFor } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';
import { launch } from './support/processes';

/**
 * Logs an operator reads: one access line per request whose request id is the x-request-id
 * the client sees (its own when it sent one), with the tenant; readable lines with
 * `--log-format pretty` (the default on a terminal).
 */
const MODEL = 'e2e-logs';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [{ slots: 1, decodeMs: 1 }],
    gatewayEnv: { LOG_LEVEL: 'info', LOG_FORMAT: 'json' },
  });
}, 60_000);
afterAll(() => fleet?.stop());

it("writes one access line per request under the client's own request id", async () => {
  const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'ops-trace-42' },
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    }),
  });
  expect(res.headers.get('x-request-id')).toBe('ops-trace-42');
  await res.arrayBuffer();
  const accessLine = () =>
    fleet.gateway
      .output()
      .split('\n')
      .find((l) => l.includes('"ops-trace-42"'));
  await waitFor(() => accessLine() !== undefined, { what: 'the access line' });
  const line = accessLine();
  expect(JSON.parse(line!)).toMatchObject({
    msg: 'request',
    requestId: 'ops-trace-42',
    tenant: 'anonymous',
    model: MODEL,
    outcome: 'ok',
  });
});

it('prints readable lines with --log-format pretty', async () => {
  const port = await freePort();
  const gateway = launch(
    'pretty-gateway',
    ['gateway', '--port', String(port), '--log-format', 'pretty'],
    {
      REDIS_URL: fleet.redisUrl,
      SWITCHYARD_PREFIX: randomPrefix(),
      LOG_LEVEL: 'info',
    },
  );
  try {
    await waitFor(() => /INFO/.test(gateway.output()), { what: 'a pretty log line' });
    const lines = gateway
      .output()
      .split('\n')
      .filter((l) => /INFO/.test(l));
    expect(lines.some((l) => l.trimStart().startsWith('{'))).toBe(false);
  } finally {
    await gateway.stop();
  }
});
