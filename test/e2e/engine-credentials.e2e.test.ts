import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from '@switchyard/testing';
import OpenAI from 'openai';
import { startFleet, type Fleet } from './support/fleet';
import { launch, type Launched } from './support/processes';
import { startRecordingProxy, type RecordingProxy } from './support/recording-proxy';

/**
 * A node in front of an OpenAI-compatible engine that wants a bearer token (a hosted API,
 * a vLLM behind auth): the worker reads the token from --engine-api-key-file and sends it on
 * every call; the token shows nowhere — logs, registry, answers.
 */
const MODEL = 'e2e-hosted';
const TOKEN = 'sk-hosted-upstream-0123456789abcdef';
let fleet: Fleet;
let proxy: RecordingProxy;
const launched: Launched[] = [];

beforeAll(async () => {
  fleet = await startFleet({
    model: MODEL,
    nodes: [],
    waitReady: false,
    gatewayEnv: { LOG_LEVEL: 'debug' },
  });
  const simPort = await freePort();
  launched.push(
    launch('sim-hosted', ['sim', '--engine', 'vllm', '--port', String(simPort), '--model', MODEL]),
  );
  proxy = await startRecordingProxy(`http://127.0.0.1:${simPort}`, { requireBearer: TOKEN });
  const dir = mkdtempSync(join(tmpdir(), 'sy-engine-key-'));
  const keyFile = join(dir, 'engine.key');
  writeFileSync(keyFile, `${TOKEN}\n`, { mode: 0o600 });
  launched.push(
    launch(
      'worker-hosted',
      [
        'worker',
        '--engine',
        'vllm',
        '--engine-url',
        proxy.url,
        '--engine-api-key-file',
        keyFile,
        '--node-id',
        'hosted-node',
      ],
      { REDIS_URL: fleet.redisUrl, SWITCHYARD_PREFIX: fleet.prefix, LOG_LEVEL: 'debug' },
    ),
  );
  await waitFor(async () => (await fleet.registry()).some((s) => s.info.state === 'ready'), {
    timeoutMs: 30000,
    what: 'the hosted node ready',
  });
  // And the gateway up and seeing it (it starts alongside, not before).
  await waitFor(
    async () => {
      const res = await fetch(`${fleet.gatewayUrl}/readyz`).catch(() => undefined);
      return res?.ok === true;
    },
    { timeoutMs: 30000, what: 'the gateway to see the hosted node' },
  );
}, 60000);

afterAll(async () => {
  await Promise.all(launched.map((l) => l.stop()));
  await proxy?.close();
  await fleet?.stop();
});

it('serves through an engine that requires a bearer token, and the token leaks nowhere', async () => {
  const client = new OpenAI({ baseURL: `${fleet.gatewayUrl}/v1`, apiKey: 'none', maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 })
    .withResponse();
  expect(data.choices[0]?.message.content).toBeTruthy();
  // The worker's warm-up check, then this request.
  expect(proxy.posted('/v1/chat/completions').at(-1)).toMatchObject({ max_tokens: 4 });
  expect(proxy.requests.length).toBeGreaterThan(1);
  expect(new Set(proxy.requests.map((r) => r.authorization))).toEqual(new Set([`Bearer ${TOKEN}`]));

  const registry = JSON.stringify(await fleet.registry());
  const logs = launched.map((l) => l.output()).join('\n') + fleet.gateway.output();
  const answer = JSON.stringify(data) + JSON.stringify([...response.headers.entries()]);
  expect(logs.length).toBeGreaterThan(0);
  for (const text of [registry, logs, answer]) expect(text).not.toContain(TOKEN);
});
