import { freePort, waitFor } from '@switchyard/testing';
import type { EngineSimOptions } from '../../core/sim-options';
import { startEngineSim, type RunningSim } from '../../core/sim-server';

/** MindIE's management and metrics listeners, and the three listeners' life cycle. */

const MODEL = 'qwen3-8b';
const CHAT = { model: MODEL, messages: [{ role: 'user', content: 'Tell me a story.' }] };

const post = (base: string, path: string, body: unknown): Promise<Response> =>
  fetch(`${base}${path}`, { method: 'POST', body: JSON.stringify(body) });

const getJson = async <T>(url: string): Promise<T> => (await (await fetch(url)).json()) as T;

/** Every sample of a Prometheus text, by name with its labels. */
function samples(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return new Map(
    lines.map((line) => {
      const at = line.lastIndexOf(' ');
      return [line.slice(0, at), Number(line.slice(at + 1))];
    }),
  );
}

async function scrape(sim: RunningSim): Promise<(name: string) => number | undefined> {
  const res = await fetch(`${sim.urls.metrics}/metrics`);
  expect(res.status).toBe(200);
  const all = samples(await res.text());
  return (name) => all.get(`${name}{model_name="${MODEL}"}`);
}

/** Runs `test` against a fresh MindIE simulator, closed afterwards. */
async function withSim(
  options: Partial<EngineSimOptions>,
  test: (sim: RunningSim) => Promise<void>,
): Promise<void> {
  const sim = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL, ...options });
  try {
    await test(sim);
  } finally {
    await sim.close();
  }
}

/** Whether nothing accepts connections at this base URL any more. */
const refuses = (url: string): Promise<boolean> =>
  fetch(url).then(
    () => false,
    () => true,
  );

describe('MindIE listeners', () => {
  it('opens the management and metrics planes on the ports asked for, each serving only its own routes', async () => {
    const [managementPort, metricsPort] = [await freePort(), await freePort()];
    await withSim({ managementPort, metricsPort }, async (sim) => {
      expect(sim.urls).toEqual({
        inference: sim.url,
        management: `http://127.0.0.1:${managementPort}`,
        metrics: `http://127.0.0.1:${metricsPort}`,
      });
      expect((await fetch(`${sim.urls.management}/health`)).status).toBe(200);
      expect((await fetch(`${sim.url}/health`)).status).toBe(404);
      expect((await fetch(`${sim.urls.metrics}/metrics`)).status).toBe(200);
      expect((await fetch(`${sim.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${sim.urls.management}/v1/models`)).status).toBe(404);
      // The simulator's own controls stay on the inference listener.
      expect((await fetch(`${sim.url}/__sim/state`)).status).toBe(200);
    });
  });

  it('closes all three listeners on close()', async () => {
    const sim = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL });
    await sim.close();
    for (const url of Object.values(sim.urls)) expect(await refuses(url)).toBe(true);
  });

  it('cuts all three listeners when it crashes', async () => {
    const sim = await startEngineSim({ engine: 'mindie', port: 0, model: MODEL, crashAfterMs: 50 });
    await sim.crashed;
    for (const url of Object.values(sim.urls)) expect(await refuses(url)).toBe(true);
  });

  it('keeps a single listener for engines without planes', async () => {
    const sim = await startEngineSim({ engine: 'llamacpp', port: 0, model: MODEL, metricsPort: 1 });
    await sim.close();
    expect(sim.urls).toEqual({ inference: sim.url });
  });
});

describe('MindIE management plane', () => {
  it('answers 503 with an empty body while loading, then 200', () =>
    withSim({ loadingMs: 400 }, async (sim) => {
      for (const route of ['/health', '/v2/health/ready', '/info', '/metrics-json']) {
        const res = await fetch(`${sim.urls.management}${route}`);
        expect([route, res.status, await res.text()]).toEqual([route, 503, '']);
      }
      await waitFor(async () => (await fetch(`${sim.urls.management}/health`)).status === 200, {
        what: 'the engine to finish loading',
      });
      expect(await getJson(`${sim.urls.management}/info`)).toMatchObject({
        max_concurrent_requests: 4,
        models: [{ model_id: MODEL, model_device_type: 'npu' }],
      });
      for (const route of ['/v2/health/live', '/v2/health/ready', `/v2/models/${MODEL}/ready`]) {
        expect((await fetch(`${sim.urls.management}${route}`)).status).toBe(200);
      }
    }));

  it('counts slots and reports scheduler figures while a request runs', () =>
    withSim({ slots: 2, decodeMs: 10 }, async (sim) => {
      const running = post(sim.url, '/v1/chat/completions', { ...CHAT, max_tokens: 60 });
      const slotCount = () =>
        getJson<{ free_slots: number; available_tokens_length: number }>(
          `${sim.urls.management}/v2/models/${MODEL}/getSlotCount`,
        );
      await waitFor(async () => (await slotCount()).free_slots === 1, { what: 'a busy slot' });
      expect((await slotCount()).available_tokens_length % 128).toBe(0);
      const figures = await getJson<{
        resultType: string;
        result: { metric: { __name__: string; instance: string }[]; value: string }[];
      }>(`${sim.urls.management}/metrics-json`);
      expect(figures.resultType).toBe('vector');
      const byName = new Map(figures.result.map((r) => [r.metric[0]!.__name__, r.value]));
      expect([...byName.keys()]).toEqual([
        'TTFT',
        'TBT',
        'waitingInferRequestNum',
        'processingInferRequestNum',
        'remainBlocks',
      ]);
      expect(byName.get('processingInferRequestNum')).toBe('1');
      expect(byName.get('TTFT')).toMatch(/^\d+\.\d{6}$/);
      expect(figures.result[0]!.metric[0]!.instance).toBe(new URL(sim.urls.management!).host);
      expect((await running).status).toBe(200);
    }));

  it('stops gracefully: answers once the last request finished, refuses inference meanwhile', () =>
    withSim({ decodeMs: 10 }, async (sim) => {
      let finished = false;
      const running = post(sim.url, '/v1/chat/completions', { ...CHAT, max_tokens: 30 }).then(
        async (res) => {
          await res.text();
          finished = true;
          return res.status;
        },
      );
      await waitFor(async () => (await scrape(sim))('num_requests_running') === 1);
      const stopped = fetch(`${sim.urls.management}/stopService`).then((res) => {
        expect(finished).toBe(true);
        return res.status;
      });
      await waitFor(async () => (await fetch(`${sim.urls.management}/health`)).status === 503);
      expect((await post(sim.url, '/v1/chat/completions', CHAT)).status).toBe(503);
      expect([await running, await stopped]).toEqual([200, 200]);
      expect((await fetch(`${sim.urls.management}/stopService`)).status).toBe(500);
    }));

  it('stops by force at once and dies a few seconds later', () =>
    withSim({}, async (sim) => {
      expect((await fetch(`${sim.urls.management}/stopService?mode=Force`)).status).toBe(200);
      expect(await getJson(`${sim.url}/__sim/faults`)).toMatchObject({ crashAfterMs: 5000 });
    }));
});

describe('MindIE metrics plane', () => {
  it('reports running, waiting and KV use under load, then what the requests did', () =>
    withSim({ slots: 2, decodeMs: 10 }, async (sim) => {
      const requests = [1, 2, 3, 4].map(async (seed) => {
        const res = await post(sim.url, '/v1/chat/completions', { ...CHAT, seed, max_tokens: 20 });
        return ((await res.json()) as { usage: { completion_tokens: number } }).usage;
      });
      await waitFor(async () => (await scrape(sim))('num_requests_waiting') === 2, {
        what: 'two queued requests',
      });
      const busy = await scrape(sim);
      expect(busy('num_requests_running')).toBe(2);
      expect(busy('npu_cache_usage_perc')).toBeGreaterThan(0);
      expect(busy('npu_cache_usage_perc')).toBeLessThanOrEqual(1);
      const usages = await Promise.all(requests);
      await post(sim.url, '/v1/chat/completions', { model: 'nope', messages: [] });

      const after = await scrape(sim);
      const generated = usages.reduce((sum, usage) => sum + usage.completion_tokens, 0);
      expect(after('request_received_total')).toBe(5);
      expect(after('request_success_total')).toBe(4);
      expect(after('request_failed_total')).toBe(1);
      expect(after('failed_request_perc')).toBe(0.2);
      expect(after('generation_tokens_total')).toBe(generated);
      expect(after('num_requests_running')).toBe(0);
      expect(after('time_to_first_token_seconds_count')).toBe(4);
      expect(after('time_per_output_token_seconds_count')).toBe(generated - 4);
      expect(after('all_radix_match_num')).toBeGreaterThanOrEqual(
        after('npu_radix_match_hit_num')!,
      );
    }));
});
