import { vllmAdapter } from '@switchyard/engines';
import type { RunningSim } from '../../core/sim-server';
import { MODEL, post, postJson, startVllm, stopSims } from './vllm.spec-support';

/** `POST /v1/embeddings`, read back with the adapter's embedding codec. */

interface EmbeddingReply {
  id: string;
  data: { index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number; completion_tokens: number };
}

const DIM = 16;

let sim: RunningSim;
beforeAll(async () => {
  sim = await startVllm({ embeddingDim: DIM });
});
afterAll(stopSims);

const embed = async (body: Record<string, unknown>): Promise<EmbeddingReply> =>
  (await postJson(sim, '/v1/embeddings', { model: MODEL, ...body })) as EmbeddingReply;

describe('vLLM /v1/embeddings', () => {
  it('answers one unit vector per input, in order, that the adapter reads', async () => {
    const call = vllmAdapter.embeddings.build(MODEL, ['red river', 'blue ocean', 'red river']);
    const reply = await postJson(sim, call.path, call.body);
    const { vectors, promptTokens } = vllmAdapter.embeddings.parse(reply);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toHaveLength(DIM);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect(vectors[2]).toEqual(vectors[0]);
    expect(vectors[1]).not.toEqual(vectors[0]);
    // Each input is BOS plus two word pieces.
    expect(promptTokens).toBe(9);
    expect((reply as EmbeddingReply).usage).toMatchObject({
      total_tokens: 9,
      completion_tokens: 0,
    });
    expect((reply as EmbeddingReply).id).toMatch(/^embd-[0-9a-f]{32}$/);
  });

  it('gives the same floats as base64 of little-endian float32', async () => {
    const floats = await embed({ input: 'quiet forest', encoding_format: 'float' });
    const packed = await embed({ input: 'quiet forest', encoding_format: 'base64' });
    const bytes = Buffer.from(packed.data[0]?.embedding as string, 'base64');
    const decoded = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, DIM));
    expect(decoded).toEqual(floats.data[0]?.embedding);
  });

  it.each([
    ['no input', {}, 400],
    ['an unknown encoding', { input: 'a', encoding_format: 'hex' }, 400],
    ['other dimensions', { input: 'a', dimensions: DIM * 2 }, 400],
    ['an unknown model', { input: 'a', model: 'bge-m3' }, 404],
    ['an input over the context', { input: 'word '.repeat(5000) }, 400],
  ])('refuses %s in the vLLM envelope', async (_case, body, status) => {
    const res = await post(sim, '/v1/embeddings', { model: MODEL, ...body });
    expect(res.status).toBe(status);
    expect(await res.json()).toMatchObject({ error: { code: status, type: expect.any(String) } });
  });

  it('fails as the faults say', async () => {
    const failing = await startVllm({ failRate: 1 });
    const res = await post(failing, '/v1/embeddings', { input: 'a' });
    expect([res.status, ((await res.json()) as { error: { code: number } }).error.code]).toEqual([
      500, 500,
    ]);
  });
});
