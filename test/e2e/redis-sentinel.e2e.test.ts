import { generateTokens, renderChatPrompt } from '@switchyard/engine-sim';
import { startRedisSentinel, waitFor, type RedisSentinelSet } from '@switchyard/testing';
import { startFleet, type Fleet } from './support/fleet';

/**
 * A master, a replica and a Sentinel; the fleet given the Sentinel URL. Under a steady
 * streaming load the master fails over (`SENTINEL FAILOVER`): within 10 s new requests
 * succeed again, and no request is lost (cut without an error), hung or duplicated.
 */
const MODEL = 'e2e-redis-sentinel';
const MAX_TOKENS = 20;
const CLIENTS = 6;
const RECOVERY_BUDGET_MS = 10_000;
let redis: RedisSentinelSet;
let fleet: Fleet;

beforeAll(async () => {
  redis = await startRedisSentinel();
  fleet = await startFleet({
    model: MODEL,
    redisUrl: redis.sentinelUrl,
    nodes: [
      { slots: 4, decodeMs: 5 },
      { slots: 4, decodeMs: 5 },
    ],
  });
}, 90000);

afterAll(async () => {
  await fleet?.stop().catch(() => undefined);
  await redis?.stop();
}, 60000);

type Outcome = 'ok' | 'error' | 'lost' | 'hung' | 'wrong';

interface Attempt {
  startedAt: number;
  endedAt: number;
  outcome: Outcome;
  detail?: string;
}

function expectedText(content: string): string {
  const prompt = renderChatPrompt([{ role: 'user', content }]);
  return generateTokens({ model: MODEL, prompt, seed: 1, maxTokens: MAX_TOKENS }).tokens.join('');
}

/** One streamed chat, judged: whole and exact, a clean error, or lost / hung / wrong. */
async function attempt(content: string): Promise<Attempt> {
  const startedAt = Date.now();
  const done = (outcome: Outcome, detail?: string): Attempt => ({
    startedAt,
    endedAt: Date.now(),
    outcome,
    ...(detail !== undefined ? { detail } : {}),
  });
  let body: string;
  let status: number;
  try {
    const res = await fetch(`${fleet.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: 'user', content }],
        max_tokens: MAX_TOKENS,
        seed: 1,
        stream: true,
      }),
      signal: AbortSignal.timeout(30_000),
    });
    status = res.status;
    body = await res.text();
  } catch (err) {
    const name = (err as Error).name;
    return done(name === 'TimeoutError' ? 'hung' : 'lost', (err as Error).message);
  }
  if (status !== 200) return done('error', `${status} ${body.slice(0, 120)}`);
  const frames = body.split('\n\n').filter((f) => f !== '');
  // An in-band error frame ends a started stream cleanly, without [DONE].
  if (frames.some((f) => f.includes('"error"'))) return done('error', 'in-band error');
  if (frames.at(-1) !== 'data: [DONE]') return done('lost', 'stream cut without an error');
  let text = '';
  for (const f of frames.slice(0, -1)) {
    const chunk = JSON.parse(f.slice(6)) as { choices: { delta: { content?: string } }[] };
    for (const c of chunk.choices) text += c.delta.content ?? '';
  }
  // A replayed or doubled event would show as text the engine never generated.
  return text === expectedText(content) ? done('ok') : done('wrong', text.slice(0, 80));
}

it('runs in sentinel mode', async () => {
  const ready = (await (await fetch(`${fleet.gatewayUrl}/readyz`)).json()) as {
    redisMode: string;
  };
  expect(ready.redisMode).toBe('sentinel');
});

it('follows a Sentinel failover under streaming load: back within 10 s, nothing lost, hung or duplicated', async () => {
  const attempts: Attempt[] = [];
  let stop = false;
  let n = 0;
  const loops = Array.from({ length: CLIENTS }, async () => {
    while (!stop) {
      const a = await attempt(`sentinel load ${n++}`);
      attempts.push(a);
      if (a.outcome !== 'ok') await new Promise((r) => setTimeout(r, 100));
    }
  });
  await new Promise((r) => setTimeout(r, 2000));
  const failoverAt = Date.now();
  expect(
    (await redis.cli(redis.sentinelPort, 'SENTINEL', 'FAILOVER', redis.masterName)).trim(),
  ).toBe('OK');
  await waitFor(
    async () =>
      (await redis.cli(redis.sentinelPort, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', redis.masterName))
        .split('\n')[1]
        ?.trim() === String(redis.replicaPort),
    { timeoutMs: 10_000, intervalMs: 100, what: 'the sentinel to promote the replica' },
  );
  // Keep the load on past the budget, so recovery is measured on requests started after it.
  await new Promise((r) => setTimeout(r, RECOVERY_BUDGET_MS + 3000));
  stop = true;
  await Promise.all(loops);

  const count = (o: Outcome) => attempts.filter((a) => a.outcome === o).length;
  const summary = {
    ok: count('ok'),
    error: count('error'),
    lost: count('lost'),
    hung: count('hung'),
    wrong: count('wrong'),
  };
  const bad = attempts.filter(
    (a) => a.outcome === 'lost' || a.outcome === 'hung' || a.outcome === 'wrong',
  );
  expect({ summary, bad }).toEqual({
    summary: expect.objectContaining({ lost: 0, hung: 0, wrong: 0 }),
    bad: [],
  });
  // Every request started once the budget was over succeeded.
  const late = attempts.filter((a) => a.startedAt > failoverAt + RECOVERY_BUDGET_MS);
  expect(late.length).toBeGreaterThan(0);
  expect(late.filter((a) => a.outcome !== 'ok')).toEqual([]);
  // And the first success after the failover came well within it.
  const firstOk = attempts
    .filter((a) => a.outcome === 'ok' && a.startedAt > failoverAt)
    .reduce((min, a) => Math.min(min, a.endedAt), Infinity);
  process.stderr.write(
    `sentinel failover: ${JSON.stringify(summary)}, first success ${firstOk - failoverAt} ms after\n`,
  );
  expect(firstOk - failoverAt).toBeLessThan(RECOVERY_BUDGET_MS);
  // The writes now land on the promoted replica: the workers re-registered there.
  const ready = (await (await fetch(`${fleet.gatewayUrl}/readyz`)).json()) as {
    readyNodes: number;
  };
  expect(ready.readyNodes).toBe(2);
}, 90000);
