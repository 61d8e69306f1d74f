import { performance } from 'node:perf_hooks';
import { MODEL, post, sseJson, startVllm, stopSims } from './vllm.spec-support';

/** Every fault knob of the core, as a client of the vLLM personality sees it. */

const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'Name a river.' }] };
const ROUTE = '/v1/chat/completions';

const errorCode = async (res: Response): Promise<number> =>
  ((await res.json()) as { error: { code: number } }).error.code;

afterEach(stopSims);

describe('vLLM personality faults', () => {
  it('fails every request with failRate 1: HTTP 500 before any output, stream or not', async () => {
    const sim = await startVllm({ failRate: 1 });
    for (const body of [CHAT, { ...CHAT, stream: true }]) {
      const res = await post(sim, ROUTE, body);
      expect([res.status, await errorCode(res)]).toEqual([500, 500]);
    }
  });

  it('answers 503 when full with overloadWhenFull, and 503 failures with failStatus 503', async () => {
    const sim = await startVllm({ slots: 1, overloadWhenFull: true, failStatus: 503 });
    const holder = new AbortController();
    const endless = { ...CHAT, stream: true, ignore_eos: true, max_tokens: 2000 };
    const held = await post(sim, ROUTE, endless, holder.signal);
    await held.body?.getReader().read();
    const refused = await post(sim, ROUTE, CHAT);
    expect([refused.status, await errorCode(refused)]).toEqual([503, 503]);
    holder.abort();
    await post(sim, '/__sim/faults', { overloadWhenFull: false, failRate: 1 });
    const failed = await post(sim, '/v1/completions', { model: MODEL, prompt: 'A' });
    expect([failed.status, await errorCode(failed)]).toEqual([503, 503]);
  });

  it('holds the first token back for stallMs', async () => {
    const sim = await startVllm({ stallMs: 300 });
    const started = performance.now();
    const res = await post(sim, ROUTE, { ...CHAT, stream: true, max_tokens: 2 });
    await res.body?.getReader().read();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drops the connection after dieAfterTokens streamed tokens, without [DONE]', async () => {
    const sim = await startVllm({ dieAfterTokens: 3 });
    const res = await post(sim, ROUTE, { ...CHAT, stream: true, max_tokens: 50 });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it('answers 503 with an empty body everywhere while loading; control routes still answer', async () => {
    const sim = await startVllm({ loadingMs: 60_000 });
    for (const route of ['/health', '/v1/models', '/metrics', '/version']) {
      const res = await fetch(`${sim.url}${route}`);
      expect([route, res.status, await res.text()]).toEqual([route, 503, '']);
    }
    expect((await post(sim, ROUTE, CHAT)).status).toBe(503);
    expect((await fetch(`${sim.url}/__sim/state`)).status).toBe(200);
    await post(sim, '/__sim/faults', { loadingMs: 0 });
    expect((await fetch(`${sim.url}/health`)).status).toBe(200);
    const res = await post(sim, ROUTE, { ...CHAT, stream: true, max_tokens: 3 });
    expect(sseJson(await res.text()).length).toBeGreaterThan(0);
  });

  it('crashes the whole engine after crashAfterMs: streams cut, connections refused', async () => {
    const sim = await startVllm({ crashAfterMs: 200, decodeMs: 20 });
    const res = await post(sim, ROUTE, {
      ...CHAT,
      stream: true,
      ignore_eos: true,
      max_tokens: 500,
    });
    await sim.crashed;
    await expect(res.text()).rejects.toThrow();
    await expect(fetch(`${sim.url}/health`)).rejects.toThrow();
  });
});
