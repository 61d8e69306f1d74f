import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NdjsonStream } from './ollama.http';
import { SimError } from '../../core/sim-errors';
import type { RunningSim } from '../../core/sim-server';
import {
  exchange,
  fixture,
  fixtureJson,
  headerNames,
  keysOf,
  ndjson,
  type HttpMessage,
  simulators,
} from '../../core/wire-fixtures.spec-support';

/** Ollama's listing, embedding and error answers, against `libs/engines/fixtures/ollama`. */

const MODEL = 'llama3.1:8b';

const start = simulators({ engine: 'ollama', port: 0, model: MODEL, decodeMs: 1 });

const get = (sim: RunningSim, route: string): Promise<HttpMessage> =>
  exchange(sim.url, 'GET', route);
const post = (sim: RunningSim, route: string, body: unknown): Promise<HttpMessage> =>
  exchange(sim.url, 'POST', route, body);
const first = (value: unknown): unknown => (value as { models: unknown[] }).models[0];

describe('Ollama informational routes', () => {
  it('says it is running at / (HEAD too) and names its version', async () => {
    const sim = await start();
    const root = await get(sim, '/');
    const want = fixture('ollama', 'root.http');
    expect(headerNames(root)).toEqual(headerNames(want));
    expect(root.body).toBe(want.body);
    expect(await exchange(sim.url, 'HEAD', '/')).toMatchObject({ status: 200, body: '' });
    const version = await get(sim, '/api/version');
    expect(keysOf(JSON.parse(version.body))).toEqual(
      keysOf(JSON.parse(fixture('ollama', 'version.http').body)),
    );
  });

  it('lists the model under the name it was given, loaded with its expiry and context', async () => {
    const sim = await start({ ctxSize: 2048 });
    const tags = JSON.parse((await get(sim, '/api/tags')).body) as unknown;
    expect(keysOf(first(tags))).toEqual(keysOf(first(fixtureJson('ollama', 'tags.json'))));
    expect(first(tags)).toMatchObject({ name: MODEL, model: MODEL });
    const ps = JSON.parse((await get(sim, '/api/ps')).body) as unknown;
    expect(keysOf(first(ps))).toEqual(keysOf(first(fixtureJson('ollama', 'ps.json'))));
    expect(first(ps)).toMatchObject({ name: MODEL, context_length: 2048 });
  });

  it('shows capabilities (thinking on a reasoning model) with Go-escaped templates', async () => {
    const sim = await start({ reasoning: true });
    const res = await post(sim, '/api/show', { model: MODEL });
    expect(res.body).toContain('\\u003c|im_start|\\u003e');
    const show = JSON.parse(res.body) as { capabilities: string[]; model_info: object };
    expect(show.capabilities).toEqual(['completion', 'tools', 'thinking']);
    expect(Object.keys(show.model_info)).toEqual([...Object.keys(show.model_info)].sort());
    expect((await post(sim, '/api/show', { model: 'nope' })).status).toBe(404);
  });

  it('answers the API 503 while the model loads, and GET / all along', async () => {
    const sim = await start({ loadingMs: 300 });
    const res = await get(sim, '/api/version');
    expect(res.status).toBe(503);
    expect(keysOf(JSON.parse(res.body))).toEqual({ error: '*' });
    expect((await get(sim, '/')).status).toBe(200);
  });
});

describe('Ollama embeddings', () => {
  it('embeds each input as a unit float32 vector, with durations and the prompt count', async () => {
    const sim = await start({ embeddingDim: 8 });
    const res = JSON.parse(
      (await post(sim, '/api/embed', { model: MODEL, input: ['Hallo Welt', 'Hej'] })).body,
    ) as { embeddings: number[][]; prompt_eval_count: number };
    expect(keysOf(res)).toEqual(keysOf(fixtureJson('ollama', 'embed.json')));
    expect(res.embeddings).toHaveLength(2);
    for (const vector of res.embeddings) {
      expect(vector).toHaveLength(8);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
      expect(vector.every((v) => Math.fround(v) === Math.fround(Number(v.toPrecision(9))))).toBe(
        true,
      );
    }
    const legacy = JSON.parse(
      (await post(sim, '/api/embeddings', { model: MODEL, prompt: 'Hej' })).body,
    ) as { embedding: number[] };
    expect(legacy.embedding.map(Math.fround)).toEqual(res.embeddings[1]?.map(Math.fround));
    const single = JSON.parse(
      (await post(sim, '/api/embed', { model: MODEL, input: 'Hej' })).body,
    ) as {
      embeddings: number[][];
    };
    expect(single.embeddings).toEqual([res.embeddings[1]]);
  });

  it('embeds nothing for an empty input and cuts vectors to `dimensions`', async () => {
    const sim = await start({ embeddingDim: 8 });
    const empty = JSON.parse(
      (await post(sim, '/api/embed', { model: MODEL, input: [] })).body,
    ) as unknown;
    expect(empty).toEqual({ model: MODEL, embeddings: [] });
    const cut = JSON.parse(
      (await post(sim, '/api/embed', { model: MODEL, input: 'Hej', dimensions: 3 })).body,
    ) as { embeddings: number[][] };
    expect(cut.embeddings[0]).toHaveLength(3);
    expect(Math.hypot(...(cut.embeddings[0] ?? []))).toBeCloseTo(1, 5);
    const bad = await post(sim, '/api/embed', { model: MODEL, input: [1] });
    expect(bad).toMatchObject({ status: 400, body: '{"error":"invalid input type"}' });
  });
});

describe('Ollama errors', () => {
  it.each([
    ['error-model-not-found.http', '/api/chat', { model: 'llama9:70b', messages: [] }],
    ['error-bad-json.http', '/api/generate', '{"model":"x",}'],
    ['error-no-thinking.http', '/api/chat', { model: MODEL, messages: [], think: true }],
  ])('answers as %s', async (name, route, body) => {
    const sim = await start();
    const res = await post(sim, route, body);
    const want = fixture('ollama', name);
    expect(res.status).toBe(want.status);
    expect(headerNames(res)).toEqual(headerNames(want));
    expect(res.body).toBe(want.body);
  });

  it('refuses work when full with the busy 503, and fails with the injected status', async () => {
    // The stall holds the only slot long enough for the second request to find it taken.
    const sim = await start({ slots: 1, overloadWhenFull: true, stallMs: 300 });
    const long = { model: MODEL, prompt: 'Hi', options: { num_predict: 3 } };
    const running = post(sim, '/api/generate', long);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const busy = await post(sim, '/api/generate', long);
    expect(busy.status).toBe(503);
    expect(busy.body).toBe(fixture('ollama', 'error-busy.http').body);
    await running;

    const failing = await start({ failRate: 1 });
    const failed = await post(failing, '/api/chat', {
      model: MODEL,
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(failed.status).toBe(500);
    expect(keysOf(JSON.parse(failed.body))).toEqual({ error: '*' });
  });

  it('ends a stream that fails after output with a last error line, status 200, no done', async () => {
    const server = createServer((_req, res) => {
      const stream = new NdjsonStream(res);
      stream.send({ model: MODEL, done: false });
      stream.fail(new SimError('server', 'an error was encountered while running the model'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await exchange(`http://127.0.0.1:${port}`, 'GET', '/');
      const want = fixture('ollama', 'chat-stream-error.http');
      expect(res.status).toBe(200);
      expect(headerNames(res)).toEqual(headerNames(want));
      expect(keysOf(ndjson(res.body).at(-1))).toEqual(keysOf(ndjson(want.body).at(-1)));
    } finally {
      server.close();
    }
  });

  it('cuts the connection without a done line when the engine dies mid-stream', async () => {
    const sim = await start({ dieAfterTokens: 3 });
    const res = await post(sim, '/api/generate', {
      model: MODEL,
      prompt: 'Hi',
      options: { num_predict: 30 },
    });
    const got = ndjson(res.body) as { done: boolean }[];
    expect(got).toHaveLength(3);
    expect(got.some((l) => l.done)).toBe(false);
  });
});
