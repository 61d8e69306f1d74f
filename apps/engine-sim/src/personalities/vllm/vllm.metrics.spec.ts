import {
  parsePrometheusText,
  sampleValue,
  vllmAdapter,
  type PrometheusSample,
} from '@switchyard/engines';
import { waitFor } from '@switchyard/testing';
import type { RunningSim } from '../../core/sim-server';
import { goFloat } from './vllm.metrics';
import {
  exchange,
  fixtureText,
  headerList,
  MODEL,
  post,
  postJson,
  startVllm,
  stopSims,
} from './vllm.spec-support';

/** `/metrics` names, help texts and values, read back with the adapter's own parsers. */

const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'Count the rivers.' }] };
const LABELS = { engine: '0', model_name: MODEL };

const scrape = async (sim: RunningSim): Promise<string> =>
  (await fetch(`${sim.url}/metrics`)).text();

const value = (samples: readonly PrometheusSample[], name: string, labels = {}): number =>
  sampleValue(samples, name, { ...LABELS, ...labels }) ?? Number.NaN;

/** `# HELP` and `# TYPE` lines by metric name. */
function metadata(text: string): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (const [, name = '', rest = ''] of text.matchAll(/^# (?:HELP|TYPE) (\S+) (.*)$/gm)) {
    lines.set(name, [...(lines.get(name) ?? []), rest]);
  }
  return lines;
}

afterEach(stopSims);

describe('vLLM /metrics', () => {
  it("uses vLLM's names, help texts and types, as the adapter's metrics.prom has them", async () => {
    const ours = metadata(await scrape(await startVllm()));
    const theirs = metadata(fixtureText('metrics.prom'));
    const shared = [...ours.keys()].filter((name) => theirs.has(name));
    expect(shared.map((name) => [name, ours.get(name)])).toEqual(
      shared.map((name) => [name, theirs.get(name)]),
    );
    const required = [
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:request_success_total',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_hits_total',
      'vllm:time_to_first_token_seconds',
      'vllm:inter_token_latency_seconds',
      'vllm:e2e_request_latency_seconds',
    ];
    expect(required.filter((name) => !ours.has(name))).toEqual([]);
  });

  it("is served as prometheus_client's ASGI app serves it", async () => {
    const ours = await exchange(await startVllm(), 'GET', '/metrics');
    expect(headerList(ours)).toEqual([
      ['date'],
      ['server', 'uvicorn'],
      ['Content-Type', 'text/plain; version=0.0.4; charset=utf-8'],
      ['transfer-encoding', 'chunked'],
    ]);
  });

  it('shows running, waiting and KV use under load, and every request aborted after', async () => {
    const sim = await startVllm({ slots: 2, decodeMs: 5 });
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const body = { ...CHAT, stream: true, ignore_eos: true, max_tokens: 2000 };
    const streams = controllers.map((c) => post(sim, '/v1/chat/completions', body, c.signal));
    const loadNow = async () => vllmAdapter.parseLoad({ metrics: await scrape(sim) });
    // Two hold the slots; the other two (their headers not sent yet) wait in line.
    await waitFor(async () => (await loadNow()).waiting === 2, {
      timeoutMs: 3000,
      what: 'two requests to wait',
    });
    const load = await loadNow();
    expect(load).toMatchObject({ running: 2, waiting: 2 });
    expect(load.kvCacheUsage).toBeGreaterThan(0);
    expect(load.kvCacheUsage).toBeLessThanOrEqual(1);

    for (const controller of controllers) controller.abort();
    await Promise.allSettled(streams);
    await waitFor(
      async () =>
        value(parsePrometheusText(await scrape(sim)), 'vllm:request_success_total', {
          finished_reason: 'abort',
        }) === 4,
      { timeoutMs: 3000, what: 'four aborted requests' },
    );
    const after = parsePrometheusText(await scrape(sim));
    expect(value(after, 'vllm:num_requests_running')).toBe(0);
    expect(value(after, 'vllm:kv_cache_usage_perc')).toBe(0);
  });

  it('counts tokens, finished requests and latencies of completed requests', async () => {
    const sim = await startVllm();
    const body = { ...CHAT, ignore_eos: true, max_tokens: 5 };
    const usages = await Promise.all(
      [1, 2, 3].map(async (seed) => {
        const reply = (await postJson(sim, '/v1/chat/completions', { ...body, seed })) as {
          usage: { prompt_tokens: number; completion_tokens: number };
        };
        return reply.usage;
      }),
    );
    const text = await scrape(sim);
    const samples = parsePrometheusText(text);
    const prompt = usages.reduce((sum, u) => sum + u.prompt_tokens, 0);
    expect(vllmAdapter.parseCounters({ metrics: text })).toMatchObject({
      promptTokensTotal: prompt,
      generationTokensTotal: 15,
      ttftCount: 3,
    });
    expect(value(samples, 'vllm:request_success_total', { finished_reason: 'length' })).toBe(3);
    expect(value(samples, 'vllm:request_success_total', { finished_reason: 'stop' })).toBe(0);
    expect(value(samples, 'vllm:inter_token_latency_seconds_count')).toBe(12);
    expect(value(samples, 'vllm:e2e_request_latency_seconds_count')).toBe(3);
    for (const name of ['time_to_first_token', 'inter_token_latency', 'e2e_request_latency']) {
      const buckets = samples
        .filter((s) => s.name === `vllm:${name}_seconds_bucket`)
        .map((s) => s.value);
      expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
      expect(buckets.at(-1)).toBe(value(samples, `vllm:${name}_seconds_count`));
    }
  });

  it('counts prefix-cache queries and hits in tokens', async () => {
    const sim = await startVllm();
    const body = { ...CHAT, max_tokens: 3 };
    const first = (await postJson(sim, '/v1/chat/completions', body)) as {
      usage: { prompt_tokens: number };
    };
    await postJson(sim, '/v1/chat/completions', body);
    const samples = parsePrometheusText(await scrape(sim));
    expect(value(samples, 'vllm:prefix_cache_queries_total')).toBe(2 * first.usage.prompt_tokens);
    // The second prefill reuses all but the last prompt token, whose logits it needs.
    expect(value(samples, 'vllm:prefix_cache_hits_total')).toBe(first.usage.prompt_tokens - 1);
  });

  it.each([
    [3, '3.0'],
    [0, '0.0'],
    [0.4231, '0.4231'],
    [612352, '612352.0'],
    [1234567, '1.234567e+06'],
    [1763805600, '1.7638056e+09'],
    [1e-5, '1e-05'],
    [Infinity, '+Inf'],
  ])('prints %p as floatToGoString does: %s', (input, printed) => {
    expect(goFloat(input)).toBe(printed);
  });
});
