import { randomBytes } from 'node:crypto';
import { createRedis } from '@switchyard/cluster';
import { cleanupPrefix, freePort, randomPrefix, testRedisUrl, waitFor } from '@switchyard/testing';
import OpenAI from 'openai';
import { launch, type Launched } from './support/processes';

/**
 * The quick "one worker per engine" pattern on MindIE: the worker is given only the business
 * URL. The simulator keeps MindIE's own layout (management on port + 1, metrics on port + 2),
 * which the worker finds by trying the engine's known layouts, says once, and serves; a worker
 * whose engine answers on no layout stays warming and says why.
 */
const prefix = randomPrefix();
const run = randomBytes(3).toString('hex');
const env = { REDIS_URL: testRedisUrl(), SWITCHYARD_PREFIX: prefix, LOG_LEVEL: 'info' };
const launched: Launched[] = [];
let gatewayUrl: string;
let worker: Launched;

/** A worker's /status, found through the port it printed when it started. */
async function status(of: Launched): Promise<{ info: { state: string; stateReason?: string } }> {
  const agent = /agent (http:\/\/[^)\s]+)/.exec(of.output())?.[1];
  if (agent === undefined) throw new Error(`no agent URL yet: ${of.output()}`);
  return (await (await fetch(`${agent}/status`)).json()) as {
    info: { state: string; stateReason?: string };
  };
}

beforeAll(async () => {
  const port = await freePort();
  launched.push(
    launch('sim', ['sim', '--engine', 'mindie', '--port', String(port), '--model', 'mindie-model']),
  );
  const engineUrl = `http://127.0.0.1:${port}`;
  const args = ['worker', '--engine', 'mindie', '--engine-url', engineUrl, '--node-id', `m-${run}`];
  worker = launch('worker', args, env);
  launched.push(worker);
  const gatewayPort = await freePort();
  launched.push(launch('gateway', ['gateway', '--port', String(gatewayPort)], env));
  gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
}, 60_000);

afterAll(async () => {
  await Promise.all(launched.map((l) => l.stop()));
  const redis = createRedis(testRedisUrl());
  await cleanupPrefix(redis, prefix);
  await redis.quit();
});

it('becomes ready with only --engine-url, saying once which layout it found', async () => {
  await waitFor(
    async () => {
      const res = await fetch(`${gatewayUrl}/readyz`);
      return res.ok && ((await res.json()) as { readyNodes: number }).readyNodes === 1;
    },
    { timeoutMs: 30_000, intervalMs: 100, what: 'the MindIE node ready at the gateway' },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${launched.map((l) => l.output()).join('\n')}`);
  });
  expect(worker.output().match(/engine planes found/g)).toHaveLength(1);
  expect(worker.output()).toMatch(/MindIE default ports/);
  expect((await status(worker)).info.state).toBe('ready');
});

it('serves through the gateway', async () => {
  const client = new OpenAI({ baseURL: `${gatewayUrl}/v1`, apiKey: 'none', maxRetries: 0 });
  const reply = await client.chat.completions.create({
    model: 'mindie-model',
    messages: [{ role: 'user', content: 'hi' }],
    max_tokens: 4,
  });
  expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
});

it('stays warming when no layout answers, and says why in /status and the log', async () => {
  const nowhere = await freePort();
  const lost = launch(
    'lost-worker',
    ['worker', '--engine', 'mindie', '--engine-url', `http://127.0.0.1:${nowhere}`],
    env,
  );
  launched.push(lost);
  await waitFor(async () => /planes not found/.test((await status(lost)).info.stateReason ?? ''), {
    timeoutMs: 15_000,
    what: 'the reason in /status',
  });
  expect((await status(lost)).info.state).toBe('warming');
  expect(lost.output()).toMatch(
    /node not ready.*planes not found|planes not found.*node not ready/,
  );
});
