import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { InferenceClientProviderApiError, request, setLogger } from '@huggingface/inference';
import { freePort, waitFor } from '@switchyard/testing';
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import { startFleet, type Fleet } from './support/fleet';
import { BIN, launch, type Launched } from './support/processes';

/**
 * API keys end to end: real gateway processes and sims, keys made through the admin API with
 * the admin key, each official SDK seeing its own 401 and 403/404; limits shared by two
 * gateway replicas on one Redis; usage equal to what the sims reported; no key in any log
 * line or error body.
 */
const MODEL = 'e2e-keys';
const ADMIN_KEY = 'sy-admin-e2e-0123456789abcdef';
const STATIC_KEY = 'sk-static-e2e-0123456789abcdef';
let fleet: Fleet;
let second: { url: string; proc: Launched };
const issued: string[] = [];
const errorBodies: string[] = [];

async function createKey(settings: Record<string, unknown>): Promise<{ key: string; id: string }> {
  const res = await fetch(`${fleet.gatewayUrl}/admin/v1/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_KEY}` },
    body: JSON.stringify({ tenant: 'e2e-team', ...settings }),
  });
  expect(res.status).toBe(201);
  const made = (await res.json()) as { key: string; id: string };
  issued.push(made.key);
  return made;
}

async function chat(gateway: string, key: string | undefined, maxTokens = 4): Promise<Response> {
  const res = await fetch(`${gateway}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key !== undefined ? { authorization: `Bearer ${key}` } : {}),
    },
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: 'user', content: 'hello there' }],
      max_tokens: maxTokens,
      ignore_eos: true,
    }),
  });
  if (!res.ok) errorBodies.push(await res.clone().text());
  return res;
}

beforeAll(async () => {
  setLogger({ debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, log: () => {} });
  const gatewayEnv = {
    SWITCHYARD_ADMIN_KEY: ADMIN_KEY,
    SWITCHYARD_TENANTS: JSON.stringify([{ apiKey: STATIC_KEY, name: 'static-team' }]),
    LOG_LEVEL: 'debug',
  };
  fleet = await startFleet({ model: MODEL, nodes: [{ slots: 8, decodeMs: 40 }], gatewayEnv });
  const port = await freePort();
  const proc = launch('gateway-2', ['gateway', '--port', String(port)], {
    REDIS_URL: fleet.redisUrl,
    SWITCHYARD_PREFIX: fleet.prefix,
    ...gatewayEnv,
  });
  second = { url: `http://127.0.0.1:${port}`, proc };
  await waitFor(
    async () => (await fetch(`${second.url}/readyz`).catch(() => undefined))?.ok === true,
    {
      timeoutMs: 30000,
    },
  );
}, 60000);

afterAll(async () => {
  await second?.proc.stop();
  await fleet?.stop();
});

describe('every official SDK', () => {
  it('OpenAI: a valid key works, a missing or revoked one is 401, a key without the model 403', async () => {
    const { key, id } = await createKey({});
    const ok = new OpenAI({ baseURL: `${fleet.gatewayUrl}/v1`, apiKey: key, maxRetries: 0 });
    const answer = await ok.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 3,
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    const unknown = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/v1`,
      apiKey: 'sk-sy-unknown',
      maxRetries: 0,
    });
    const call = unknown.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
    });
    await expect(call).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(call).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    const other = await createKey({ models: ['another-model'] });
    const denied = new OpenAI({
      baseURL: `${fleet.gatewayUrl}/v1`,
      apiKey: other.key,
      maxRetries: 0,
    });
    await expect(
      denied.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toBeInstanceOf(OpenAI.PermissionDeniedError);
    await fetch(`${fleet.gatewayUrl}/admin/v1/keys/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ADMIN_KEY}` },
    });
    await waitFor(async () => (await chat(second.url, key)).status === 401);
  });

  it('Anthropic: 401 authentication_error, 403 permission_error', async () => {
    const { key } = await createKey({});
    const ok = new Anthropic({ baseURL: fleet.gatewayUrl, apiKey: key, maxRetries: 0 });
    const msg = await ok.messages.create({
      model: MODEL,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(msg.content.length).toBeGreaterThan(0);
    const bad = new Anthropic({ baseURL: fleet.gatewayUrl, apiKey: 'sk-nope', maxRetries: 0 });
    await expect(
      bad.messages.create({
        model: MODEL,
        max_tokens: 3,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);
    const other = await createKey({ models: ['another-model'] });
    const denied = new Anthropic({ baseURL: fleet.gatewayUrl, apiKey: other.key, maxRetries: 0 });
    await expect(
      denied.messages.create({
        model: MODEL,
        max_tokens: 3,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    ).rejects.toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it('Ollama: 401 unauthorized, and a model the key may not use is not found', async () => {
    const { key } = await createKey({});
    const ok = new Ollama({ host: fleet.gatewayUrl, headers: { authorization: `Bearer ${key}` } });
    const answer = await ok.chat({
      model: MODEL,
      messages: [{ role: 'user', content: 'hi' }],
      options: { num_predict: 3 },
    });
    expect(answer.message.content).toBeTruthy();
    const none = new Ollama({ host: fleet.gatewayUrl });
    await expect(
      none.chat({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({
      status_code: 401,
    });
    const other = await createKey({ models: ['another-model'] });
    const denied = new Ollama({
      host: fleet.gatewayUrl,
      headers: { authorization: `Bearer ${other.key}` },
    });
    await expect(
      denied.chat({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
    ).rejects.toMatchObject({ status_code: 404, error: `model '${MODEL}' not found` });
  });

  it('Hugging Face: 401 and 403 with TGI’s error shape', async () => {
    const { key } = await createKey({});
    const ok = await request<{ generated_text: string }[]>({
      endpointUrl: `${fleet.gatewayUrl}/generate`,
      accessToken: key,
      inputs: 'Hi',
      parameters: { max_new_tokens: 3 },
    });
    expect(ok).toBeTruthy();
    const none = request({ endpointUrl: `${fleet.gatewayUrl}/generate`, inputs: 'Hi' });
    await expect(none).rejects.toBeInstanceOf(InferenceClientProviderApiError);
    await expect(none).rejects.toMatchObject({ httpResponse: { status: 401 } });
    const other = await createKey({ models: ['another-model'] });
    const denied = request({
      endpointUrl: `${fleet.gatewayUrl}/generate`,
      accessToken: other.key,
      inputs: 'Hi',
    });
    await expect(denied).rejects.toMatchObject({
      httpResponse: { status: 403, body: { error_type: 'forbidden' } },
    });
  });
});

describe('limits across two replicas', () => {
  it('one RPM for a key, whichever gateway each request reaches', async () => {
    const { key } = await createKey({ rpm: 6 });
    const answers = await Promise.all(
      Array.from({ length: 14 }, (_, i) => chat(i % 2 ? second.url : fleet.gatewayUrl, key, 2)),
    );
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(Math.abs(accepted - 6)).toBeLessThanOrEqual(1);
    expect(answers.filter((a) => a.status === 429).length).toBe(14 - accepted);
  }, 30000);

  it('one concurrency for a key across both gateways', async () => {
    const { key } = await createKey({ maxConcurrency: 2 });
    // 25 tokens at 40 ms: each request runs about a second, so all 8 overlap.
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => chat(i % 2 ? second.url : fleet.gatewayUrl, key, 25)),
    );
    const accepted = answers.filter((a) => a.status === 200).length;
    expect(Math.abs(accepted - 2)).toBeLessThanOrEqual(1);
    // Released at the end: the key runs again.
    await waitFor(async () => (await chat(second.url, key, 2)).status === 200);
  }, 30000);
});

it('a TPM limit and a token budget stop a key after the tokens it used; headers count down', async () => {
  // One request's real size, as the sim counts it (prompt + 4 completion tokens).
  const probe = (await (await chat(fleet.gatewayUrl, STATIC_KEY)).json()) as {
    usage: { total_tokens: number };
  };
  const size = probe.usage.total_tokens;
  // Room for two requests and a bit: the prompt estimate (~3) of a third no longer fits.
  for (const limit of [
    { tpm: 2 * size + 2 },
    { budgetTokens: 2 * size + 2, budgetPeriod: 'day' },
  ]) {
    const { key } = await createKey(limit);
    const client = new OpenAI({ baseURL: `${second.url}/v1`, apiKey: key, maxRetries: 0 });
    const remaining: number[] = [];
    for (let i = 0; i < 2; i++) {
      const { response } = await client.chat.completions
        .create({
          model: MODEL,
          messages: [{ role: 'user', content: 'hello there' }],
          max_tokens: 4,
        })
        .withResponse();
      remaining.push(Number(response.headers.get('x-ratelimit-remaining-tokens')));
      // The correction with the real usage lands just after the answer.
      await new Promise((r) => setTimeout(r, 100));
    }
    if ('tpm' in limit) expect(remaining[1]).toBeLessThan(remaining[0]!);
    await expect(
      client.chat.completions.create({
        model: MODEL,
        messages: [{ role: 'user', content: 'hello there' }],
        max_tokens: 4,
      }),
    ).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  }
});

it('usage from the admin API equals the tokens the sims reported', async () => {
  const { key, id } = await createKey({ tenant: 'usage-e2e' });
  let prompt = 0;
  let completion = 0;
  for (let i = 0; i < 4; i++) {
    const res = await chat(i % 2 ? second.url : fleet.gatewayUrl, key, 3 + i);
    const body = (await res.json()) as {
      usage: { prompt_tokens: number; completion_tokens: number };
    };
    prompt += body.usage.prompt_tokens;
    completion += body.usage.completion_tokens;
  }
  const read = async () =>
    (await (
      await fetch(`${fleet.gatewayUrl}/admin/v1/usage?tenant=usage-e2e`, {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      })
    ).json()) as {
      totals: { requests: number; promptTokens: number; completionTokens: number };
      rows: { keyId: string }[];
    };
  await waitFor(async () => (await read()).totals.requests === 4);
  const usage = await read();
  expect(usage.totals).toMatchObject({
    requests: 4,
    promptTokens: prompt,
    completionTokens: completion,
  });
  expect(usage.rows.map((r) => r.keyId)).toEqual([id]);
  expect(completion).toBe(3 + 4 + 5 + 6);
});

it('the CLI creates a key, sets tenant limits, revokes and reads usage through the admin API', async () => {
  const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      BIN,
      ...args,
      '--gateway',
      fleet.gatewayUrl,
      '--admin-key',
      ADMIN_KEY,
    ]);
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const made = await cli('keys', 'create', '--tenant', 'cli-team', '--rpm', '2', '--expires', '1d');
  const key = made.key as string;
  issued.push(key);
  expect(made.display).toBe(`${key.slice(0, 10)}…`);
  expect((await cli('tenants', 'set-limits', 'cli-team', '--tpm', '100000')).limits).toEqual({
    tpm: 100000,
    budgetPeriod: 'month',
  });
  expect((await chat(second.url, key)).status).toBe(200);
  const listed = await cli('keys', 'list');
  expect(JSON.stringify(listed)).not.toContain(key);
  await cli('keys', 'revoke', made.id as string);
  await waitFor(async () => (await chat(second.url, key)).status === 401);
  const usage = await cli('usage', '--tenant', 'cli-team');
  expect(usage.totals).toMatchObject({ requests: 1 });
});

it('the admin API refuses without the admin key', async () => {
  const res = await fetch(`${fleet.gatewayUrl}/admin/v1/keys`);
  expect(res.status).toBe(401);
  errorBodies.push(await res.text());
});

it('no key appears in any log line, /metrics, admin answer or error body of the run', async () => {
  expect((await chat(fleet.gatewayUrl, STATIC_KEY)).status).toBe(200);
  const admin = { headers: { authorization: `Bearer ${ADMIN_KEY}` } };
  const answers = await Promise.all(
    [
      fetch(`${fleet.gatewayUrl}/metrics`),
      fetch(`${second.url}/metrics`),
      fetch(`${fleet.gatewayUrl}/admin/v1/keys`, admin),
      fetch(`${fleet.gatewayUrl}/admin/v1/usage`, admin),
      fetch(`${fleet.gatewayUrl}/readyz`),
    ].map(async (r) => (await r).text()),
  );
  const logs = fleet.gateway.output() + second.proc.output() + answers.join('\n');
  expect(logs.length).toBeGreaterThan(0);
  const secrets = [ADMIN_KEY, STATIC_KEY, ...issued];
  expect(issued.length).toBeGreaterThan(5);
  for (const secret of secrets) {
    expect(logs).not.toContain(secret);
    for (const body of errorBodies) expect(body).not.toContain(secret);
  }
  expect(errorBodies.length).toBeGreaterThan(3);
});
