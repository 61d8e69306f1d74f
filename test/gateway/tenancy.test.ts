import { randomBytes } from 'node:crypto';
import { waitFor } from '@switchyard/testing';
import { MODEL, useGateway, type TestGateway } from './support/gateway-harness';
import { answer, hang } from './support/scripts';

/**
 * API keys, their limits and usage, through the real gateway on real Redis: keys made with
 * the admin API (loopback, no admin key configured), requests with the OpenAI dialect.
 */
interface Issued {
  key: string;
  id: string;
  display: string;
}

async function createKey(gw: TestGateway, settings: Record<string, unknown>): Promise<Issued> {
  const res = await fetch(`${gw.url}/admin/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tenant: 'team-a', ...settings }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as Issued;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

async function errorOf(res: Response): Promise<{ status: number; code: unknown; type: unknown }> {
  const body = (await res.json()) as { error?: { code?: unknown; type?: unknown } };
  return { status: res.status, code: body.error?.code, type: body.error?.type };
}

describe('an open gateway (no key configured or stored)', () => {
  const gw = useGateway();

  it('serves without a key, and every unknown key is the one anonymous tenant', async () => {
    await gw.node({ id: 'a', script: answer('ok', 2) });
    await gw.untilReadyNodes(1);
    expect((await gw.chat()).status).toBe(200);
    for (let i = 0; i < 3; i++) {
      const res = await gw.chat({ headers: bearer(`sk-random-${randomBytes(4).toString('hex')}`) });
      expect(res.status).toBe(200);
    }
    await waitFor(async () => {
      const usage = await (await fetch(`${gw.url}/admin/v1/usage`)).json();
      return (usage as { totals: { requests: number } }).totals.requests === 4;
    });
    const usage = (await (await fetch(`${gw.url}/admin/v1/usage`)).json()) as {
      rows: { tenant: string }[];
    };
    expect(new Set(usage.rows.map((r) => r.tenant))).toEqual(new Set(['anonymous']));
  });

  it('turns auth on once a key is created, and ignores routing headers from keys not allowed them', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    const { key } = await createKey(gw, {});
    await waitFor(async () => (await gw.chat()).status === 401);
    const res = await gw.chat({ headers: { ...bearer(key), 'x-switchyard-explain': '1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-switchyard-explain')).toBeNull();
    const trusted = await createKey(gw, { routingHeaders: true });
    const explained = await gw.chat({
      headers: { ...bearer(trusted.key), 'x-switchyard-explain': '1' },
    });
    expect(explained.headers.get('x-switchyard-explain')).not.toBeNull();
  });
});

describe('a gateway with a static key', () => {
  const gw = useGateway({
    tenants: [
      {
        apiKey: 'sk-static-test-0123456789',
        name: 'static-team',
        priority: 5,
        routingHeaders: false,
        budgetPeriod: 'month',
      },
    ],
  });

  it('answers missing, unknown, revoked keys with 401 and a key without the model with 403', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    expect((await gw.chat({ headers: bearer('sk-static-test-0123456789') })).status).toBe(200);
    expect(await errorOf(await gw.chat())).toEqual({
      status: 401,
      code: 'invalid_api_key',
      type: 'invalid_request_error',
    });
    expect((await errorOf(await gw.chat({ headers: bearer('sk-nope') }))).status).toBe(401);
    expect((await gw.chat({ headers: { 'x-api-key': 'sk-static-test-0123456789' } })).status).toBe(
      200,
    );

    const other = await createKey(gw, { models: ['another-model'] });
    expect(await errorOf(await gw.chat({ headers: bearer(other.key) }))).toEqual({
      status: 403,
      code: 'model_not_found',
      type: 'invalid_request_error',
    });
    const mine = await createKey(gw, { models: [MODEL] });
    expect((await gw.chat({ headers: bearer(mine.key) })).status).toBe(200);
    const revoked = await fetch(`${gw.url}/admin/v1/keys/${mine.id}`, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    await waitFor(async () => (await gw.chat({ headers: bearer(mine.key) })).status === 401);

    const listed = (await (await fetch(`${gw.url}/admin/v1/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    expect(listed.keys.map((k) => k.display)).toEqual([other.display, mine.display]);
    expect(JSON.stringify(listed)).not.toContain(other.key);
    expect(JSON.stringify(listed)).not.toContain('hash');
  });

  it('lists to each key only its models, and nothing to a caller without a valid key', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    const ids = async (headers: Record<string, string>) => {
      const res = await fetch(`${gw.url}/v1/models`, { headers });
      return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
    };
    const other = await createKey(gw, { models: ['another-model'] });
    expect(await ids(bearer('sk-static-test-0123456789'))).toEqual([MODEL]);
    expect(await ids(bearer(other.key))).toEqual([]);
    expect(await ids({})).toEqual([]);
    const hidden = await fetch(`${gw.url}/v1/models/${MODEL}`, { headers: bearer(other.key) });
    expect(hidden.status).toBe(404);
    // Health and version routes still answer without a key.
    expect((await fetch(`${gw.url}/api/version`)).status).toBe(200);
  });

  it('rotates a key: the new one works, the old one is refused', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    const old = await createKey(gw, { rpm: 100 });
    const res = await fetch(`${gw.url}/admin/v1/keys/${old.id}/rotate`, { method: 'POST' });
    expect(res.status).toBe(201);
    const fresh = (await res.json()) as Issued & { limits: { rpm: number } };
    expect(fresh.limits.rpm).toBe(100);
    expect((await gw.chat({ headers: bearer(fresh.key) })).status).toBe(200);
    await waitFor(async () => (await gw.chat({ headers: bearer(old.key) })).status === 401);
  });
});

describe('limits', () => {
  const gw = useGateway();

  it('refuses the request over the RPM with 429, Retry-After and headers counting down', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    const { key } = await createKey(gw, { rpm: 3 });
    const remaining: (string | null)[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await gw.chat({ headers: bearer(key) });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-ratelimit-limit-requests')).toBe('3');
      remaining.push(res.headers.get('x-ratelimit-remaining-requests'));
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await gw.chat({ headers: bearer(key) });
    expect(await errorOf(refused.clone())).toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
    });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get('x-ratelimit-remaining-requests')).toBe('0');
  });

  it('puts the limit headers on streamed answers too', async () => {
    await gw.node({ id: 'a', script: answer('ok', 2) });
    await gw.untilReadyNodes(1);
    const { key } = await createKey(gw, { rpm: 10, tpm: 1000 });
    const res = await gw.chat({ headers: bearer(key), stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('9');
    expect(Number(res.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThan(1000);
    expect(res.headers.get('x-ratelimit-reset-tokens')).toMatch(/^\d+(ms|\.\d+s|s)$/);
    await res.text();
  });

  it('holds a key to its concurrency, and frees the slot when the client goes away', async () => {
    await gw.node({ id: 'a', slots: 4, script: hang(1) });
    await gw.untilReadyNodes(1);
    const { key } = await createKey(gw, { maxConcurrency: 1 });
    const client = new AbortController();
    const first = await gw.chat({ headers: bearer(key), stream: true, signal: client.signal });
    expect(first.status).toBe(200);
    const refused = await gw.chat({ headers: bearer(key) });
    expect(refused.status).toBe(429);
    client.abort();
    // Slot freed: the next request is admitted (and hangs; abort it).
    await waitFor(async () => {
      const probe = new AbortController();
      const res = await gw.chat({ headers: bearer(key), stream: true, signal: probe.signal });
      probe.abort();
      return res.status === 200;
    });
  });

  it('stops a key after the tokens it really used (TPM and budget), corrected by usage', async () => {
    // 3 prompt + 20 completion = 23 tokens per answer, a prompt estimate of ~2: the second
    // fits (23 + 2 <= 40), the third would not (46 used) though its estimate alone would.
    await gw.node({ id: 'a', script: answer('x'.repeat(20), 20) });
    await gw.untilReadyNodes(1);
    const tpm = await createKey(gw, { tpm: 40 });
    const budget = await createKey(gw, { budgetTokens: 40, budgetPeriod: 'day' });
    for (const { key } of [tpm, budget]) {
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        statuses.push((await gw.chat({ headers: bearer(key), prompt: 'short' })).status);
        await new Promise((r) => setTimeout(r, 100)); // the correction lands after the answer
      }
      expect({ key: key.slice(0, 10), statuses }).toEqual({
        key: key.slice(0, 10),
        statuses: [200, 200, 429, 429],
      });
    }
  });

  it('holds all of a tenant’s keys to the tenant’s limits, the anonymous tenant too', async () => {
    await gw.node({ id: 'a', script: answer('ok') });
    await gw.untilReadyNodes(1);
    const put = (tenant: string, limits: Record<string, unknown>) =>
      fetch(`${gw.url}/admin/v1/tenants/${tenant}/limits`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(limits),
      });
    expect((await put('anonymous', { rpm: 2 })).status).toBe(200);
    expect((await gw.chat()).status).toBe(200);
    expect((await gw.chat()).status).toBe(200);
    expect((await gw.chat()).status).toBe(429);

    expect((await put('shared', { rpm: 3 })).status).toBe(200);
    expect((await put('shared', { rpm: -1 })).status).toBe(400);
    const one = await createKey(gw, { tenant: 'shared', rpm: 100 });
    const two = await createKey(gw, { tenant: 'shared' });
    const statuses: number[] = [];
    for (const { key } of [one, two, one, two]) {
      statuses.push((await gw.chat({ headers: bearer(key) })).status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await gw.chat({ headers: bearer(one.key) });
    const body = (await refused.json()) as { error: { message: string } };
    expect(body.error.message).toContain('tenant');
    // The key's own limit shows in its headers; the other key shows the tenant's.
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('100');
  });

  it('counts usage per tenant, key and model as the node reported it', async () => {
    await gw.node({ id: 'a', script: answer('abcde', 5) });
    await gw.untilReadyNodes(1);
    const { key, id } = await createKey(gw, { tenant: 'usage-team' });
    for (let i = 0; i < 3; i++) expect((await gw.chat({ headers: bearer(key) })).status).toBe(200);
    const read = async () =>
      (await (await fetch(`${gw.url}/admin/v1/usage?tenant=usage-team`)).json()) as {
        rows: { keyId: string; model: string; requests: number }[];
        totals: { requests: number; promptTokens: number; completionTokens: number };
      };
    await waitFor(async () => (await read()).totals.requests === 3);
    const usage = await read();
    expect(usage.totals).toEqual({ requests: 3, promptTokens: 9, completionTokens: 15, errors: 0 });
    expect(usage.rows).toEqual([expect.objectContaining({ keyId: id, model: MODEL, requests: 3 })]);

    // A made-up model name is counted as an error under one row, not a row of its own.
    const made = await gw.chat({
      headers: bearer(key),
      body: { model: 'made-up-model-123', messages: [{ role: 'user', content: 'hi' }] },
    });
    expect(made.status).toBe(404);
    await waitFor(async () => (await read()).totals.requests === 4);
    expect((await read()).rows).toContainEqual(
      expect.objectContaining({ model: '(unknown)', requests: 1, errors: 1 }),
    );
  });
});

describe('the admin API with an admin key', () => {
  const gw = useGateway({ adminKey: 'admin-key-for-tests-0123456789' });

  it('refuses without the admin key and answers with it', async () => {
    const without = await fetch(`${gw.url}/admin/v1/keys`);
    expect(without.status).toBe(401);
    const forwarded = await fetch(`${gw.url}/admin/v1/keys`, {
      headers: { 'x-forwarded-for': '127.0.0.1' },
    });
    expect(forwarded.status).toBe(401);
    const wrong = await fetch(`${gw.url}/admin/v1/keys`, { headers: bearer('admin-key-wrong') });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${gw.url}/admin/v1/keys`, {
      headers: bearer('admin-key-for-tests-0123456789'),
    });
    expect(ok.status).toBe(200);
  });
});
