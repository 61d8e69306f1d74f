import { startEngineSim, type RunningSim } from '../../core/sim-server';
import { countTokens } from '../../core/tokenizer';

/** llama.cpp's embedding routes over real HTTP: shapes, determinism, batches. */

const MODEL = 'tiny-embed';

interface OpenAiEmbeddings {
  model: string;
  object: string;
  usage: { prompt_tokens: number; total_tokens: number };
  data: { embedding: number[] | string; index: number; object: string; encoding_format?: string }[];
}

const running: RunningSim[] = [];
async function sim(embeddingDim?: number): Promise<RunningSim> {
  const s = await startEngineSim({
    engine: 'llamacpp',
    port: 0,
    model: MODEL,
    embeddingDim,
    embeddings: true,
  });
  running.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(running.map((s) => s.close()));
});

async function post(s: RunningSim, path: string, body: unknown): Promise<Response> {
  return fetch(`${s.url}${path}`, { method: 'POST', body: JSON.stringify(body) });
}
async function embeddings(s: RunningSim, body: unknown): Promise<OpenAiEmbeddings> {
  const res = await post(s, '/v1/embeddings', body);
  expect(res.status).toBe(200);
  return (await res.json()) as OpenAiEmbeddings;
}
const vector = (body: OpenAiEmbeddings, i = 0): number[] => body.data[i]!.embedding as number[];
const norm = (v: readonly number[]): number => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
const dot = (a: readonly number[], b: readonly number[]): number =>
  a.reduce((sum, x, i) => sum + x * (b[i] ?? 0), 0);

describe('llama.cpp embeddings', () => {
  it('answers /v1/embeddings in the OpenAI shape with a 384-long unit vector', async () => {
    const s = await sim();
    const body = await embeddings(s, { input: 'hello world', model: 'whatever' });
    expect(Object.keys(body)).toEqual(['model', 'object', 'usage', 'data']);
    expect(body).toMatchObject({
      model: 'whatever',
      object: 'list',
      usage: { prompt_tokens: countTokens('hello world') + 1, total_tokens: 3 },
    });
    expect(Object.keys(body.data[0]!)).toEqual(['embedding', 'index', 'object']);
    expect(vector(body)).toHaveLength(384);
    expect(norm(vector(body))).toBeCloseTo(1, 5);
    expect((await embeddings(s, { input: 'hello' })).model).toBe(MODEL);
  });

  it('is deterministic, differs by text, and keeps batch order', async () => {
    const s = await sim();
    const texts = ['the river runs', 'a quiet mountain', 'the river runs fast'];
    const batch = await embeddings(s, { input: texts });
    expect(batch.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const [i, text] of texts.entries()) {
      expect(vector(batch, i)).toEqual(vector(await embeddings(s, { input: text })));
    }
    expect(vector(batch, 0)).not.toEqual(vector(batch, 1));
    // Texts that share words point in similar directions.
    expect(dot(vector(batch, 0), vector(batch, 2))).toBeGreaterThan(
      dot(vector(batch, 0), vector(batch, 1)),
    );
    const usage = texts.reduce((sum, text) => sum + countTokens(text) + 1, 0);
    expect(batch.usage.prompt_tokens).toBe(usage);
  });

  it('serves the same vectors natively on /embedding, and when the body uses content', async () => {
    const s = await sim(16);
    const oai = vector(await embeddings(s, { input: 'hello world' }));
    expect(oai).toHaveLength(16);
    for (const [path, body] of [
      ['/embedding', { content: 'hello world' }],
      ['/embeddings', { input: 'hello world' }],
      ['/v1/embeddings', { content: 'hello world' }],
    ] as const) {
      const res = await post(s, path, body);
      expect(await res.json()).toEqual([{ index: 0, embedding: [oai] }]);
    }
    const models = (await (await fetch(`${s.url}/v1/models`)).json()) as {
      data: { meta: { n_embd: number } }[];
    };
    expect(models.data[0]!.meta.n_embd).toBe(16);
  });

  it('encodes base64 as little-endian float32 of the same vector', async () => {
    const s = await sim();
    const floats = vector(await embeddings(s, { input: 'hello world' }));
    const body = await embeddings(s, { input: 'hello world', encoding_format: 'base64' });
    expect(body.data[0]).toMatchObject({ object: 'embedding', encoding_format: 'base64' });
    const bytes = Buffer.from(body.data[0]!.embedding as string, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    expect(decoded).toEqual(floats);
  });

  it('rejects a body without input or content, and an unknown encoding', async () => {
    const s = await sim();
    const missing = await post(s, '/v1/embeddings', { model: MODEL });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: {
        code: 400,
        message: '"input" or "content" must be provided',
        type: 'invalid_request_error',
      },
    });
    const encoding = await post(s, '/v1/embeddings', { input: 'x', encoding_format: 'int8' });
    expect(encoding.status).toBe(400);
  });

  it('runs each input through a slot as a prefill', async () => {
    const s = await sim();
    const metric = async (): Promise<number> => {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      return Number(/^llamacpp:prompt_tokens_total (\S+)$/m.exec(text)?.[1]);
    };
    const before = await metric();
    await embeddings(s, { input: ['one two', 'three'] });
    expect((await metric()) - before).toBe(countTokens('one two') + 1 + countTokens('three') + 1);
    const slots = (await (await fetch(`${s.url}/slots`)).json()) as { id_task?: number }[];
    expect(slots.filter((slot) => slot.id_task !== undefined).length).toBeGreaterThanOrEqual(1);
  });
});

describe('a llama.cpp sim started without --embeddings', () => {
  it('answers 501 as the real server does', async () => {
    const s = await startEngineSim({ engine: 'llamacpp', port: 0, model: MODEL });
    running.push(s);
    const res = await post(s, '/v1/embeddings', { input: 'hi' });
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      error: {
        code: 501,
        message: 'This server does not support embeddings. Start it with `--embeddings`',
        type: 'not_supported_error',
      },
    });
  });
});
