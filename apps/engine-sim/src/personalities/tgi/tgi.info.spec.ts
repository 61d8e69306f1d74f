import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimError } from '../../core/sim-errors';
import type { RunningSim } from '../../core/sim-server';
import { generationError, openaiErrorEvent } from './tgi.errors';
import { streamHeaders, TgiEventStream } from './tgi.http';
import {
  exchange,
  fixture,
  fixtureJson,
  fixtureText,
  headerNames,
  keysOf,
  sseData,
  simulators,
} from '../../core/wire-fixtures.spec-support';

/** TGI's health, info, metrics and stream plumbing, against the adapter's fixtures. */

const MODEL = 'meta-llama/Llama-3.1-8B-Instruct';

const start = simulators({ engine: 'tgi', port: 0, model: MODEL, decodeMs: 1 });

/** Metric name → value of its first sample (labels and all). */
function samples(text: string): Map<string, number> {
  const lines = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  return new Map(
    lines.map((line) => {
      const at = line.lastIndexOf(' ');
      return [line.slice(0, at), Number(line.slice(at + 1))];
    }),
  );
}
const types = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('# TYPE'));
const scrape = async (sim: RunningSim): Promise<string> =>
  (await exchange(sim.url, 'GET', '/metrics')).body;

describe('TGI health and info', () => {
  it('answers every route 503 while loading (real TGI refuses connections), then health 200', async () => {
    const sim = await start({ loadingMs: 400 });
    const unhealthy = fixture('tgi', 'health-unhealthy.http');
    for (const [method, route] of [
      ['GET', '/health'],
      ['GET', '/info'],
      ['POST', '/generate'],
    ] as const) {
      const res = await exchange(sim.url, method, route, method === 'POST' ? {} : undefined);
      expect(res.status).toBe(503);
      expect(headerNames(res)).toEqual(headerNames(unhealthy));
      expect(res.body).toBe(unhealthy.body);
    }
    expect((await exchange(sim.url, 'GET', '/__sim/state')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 450));
    const ok = await exchange(sim.url, 'GET', '/health');
    const want = fixture('tgi', 'health-ok.http');
    expect(ok.status).toBe(200);
    expect(ok.headers).toEqual(want.headers);
    expect(ok.body).toBe('');
  });

  it('describes the router in /info and the model in /v1/models', async () => {
    const sim = await start({ slots: 3 });
    const info = JSON.parse((await exchange(sim.url, 'GET', '/info')).body) as Record<
      string,
      unknown
    >;
    expect(Object.keys(info)).toEqual(Object.keys(fixtureJson('tgi', 'info.json') as object));
    expect(info).toMatchObject({
      model_id: MODEL,
      max_concurrent_requests: 3,
      max_input_tokens: 4095,
      max_total_tokens: 4096,
      max_stop_sequences: 4,
    });
    const models = JSON.parse((await exchange(sim.url, 'GET', '/v1/models')).body) as unknown;
    expect(models).toEqual({
      object: 'list',
      data: [{ id: MODEL, object: 'model', created: 0, owned_by: MODEL }],
    });
  });
});

describe('TGI metrics', () => {
  it('exposes every metric of the fixture, with the same types and bucket counts', async () => {
    const sim = await start();
    await exchange(sim.url, 'POST', '/generate', {
      inputs: 'Hi',
      parameters: { max_new_tokens: 3 },
    });
    // Like the exporter, the failure counter appears once a request failed.
    expect(types(await scrape(sim))).not.toContain('# TYPE tgi_request_failure counter');
    await exchange(sim.url, 'POST', '/generate', { inputs: 'Hi', parameters: { top_k: 0 } });
    const text = await scrape(sim);
    const want = fixtureText('tgi', 'metrics.prom');
    expect(types(text)).toEqual(expect.arrayContaining(types(want)));
    const buckets = (body: string, name: string): number =>
      body.split('\n').filter((l) => l.startsWith(`${name}_bucket`)).length;
    for (const name of ['tgi_request_input_length', 'tgi_request_generated_tokens']) {
      expect(buckets(text, name)).toBe(buckets(want, name));
    }
  });

  it('shows the queue and the batch under load, and counts every request once done', async () => {
    const sim = await start({ slots: 2, decodeMs: 5 });
    const body = { inputs: 'Once upon a time', parameters: { max_new_tokens: 60 } };
    const running = Array.from({ length: 4 }, () =>
      exchange(sim.url, 'POST', '/generate_stream', body),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const busy = samples(await scrape(sim));
    expect(busy.get('tgi_batch_current_size')).toBe(2);
    expect(busy.get('tgi_queue_size')).toBe(2);
    expect(busy.get('tgi_batch_current_max_tokens')).toBeGreaterThan(0);

    const answers = await Promise.all(running);
    const generated = answers.map(
      (res) => sseData(res.body).filter((d) => d.startsWith('{"index"')).length,
    );
    await exchange(sim.url, 'POST', '/generate', { inputs: 'x', parameters: { top_k: 0 } });
    const idle = samples(await scrape(sim));
    expect(idle.get('tgi_request_count')).toBe(5);
    expect(idle.get('tgi_request_success')).toBe(4);
    expect(idle.get('tgi_request_failure{err="validation"}')).toBe(1);
    expect(idle.get('tgi_request_generated_tokens_count')).toBe(4);
    expect(idle.get('tgi_request_generated_tokens_sum')).toBe(generated.reduce((a, b) => a + b));
    expect(idle.get('tgi_request_queue_duration_count')).toBe(4);
    expect(idle.get('tgi_queue_size')).toBe(0);
    expect(idle.get('tgi_batch_current_size')).toBe(0);
  });
});

describe('TGI stream plumbing', () => {
  it('sends `:` keep-alive comments while the stream is silent', async () => {
    const server = createServer((_req, res) => {
      const stream = new TgiEventStream(res, streamHeaders(), 20);
      setTimeout(() => {
        stream.send({ index: 1 });
        stream.end();
      }, 70);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await exchange(`http://127.0.0.1:${port}`, 'GET', '/');
      expect(res.status).toBe(200);
      expect(res.body).toMatch(/^(:\n\n){2,}data:\{"index":1\}\n\n$/);
    } finally {
      server.close();
    }
  });

  it('shapes failures after the first token as the fixtures do', () => {
    const error = new SimError('server', 'CUDA out of memory');
    const [, native] = sseData(fixture('tgi', 'generate-stream-error.http').body);
    expect(keysOf(generationError(error))).toEqual(keysOf(JSON.parse(native ?? '')));
    expect(generationError(error)).toMatchObject({ error_type: 'generation' });
    const [, chat, done] = sseData(fixture('tgi', 'chat-stream-error.http').body);
    const event = openaiErrorEvent(generationError(error));
    expect(keysOf(event)).toEqual(keysOf(JSON.parse(chat ?? '')));
    expect(event).toMatchObject({ error: { http_status_code: 422 } });
    expect(done).toBe('[DONE]');
  });
});
