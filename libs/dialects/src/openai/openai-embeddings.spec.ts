import type { StreamEvent } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { openaiInferenceRoutes } from './openai.dialect';
import { float32Base64 } from './openai-embeddings';

/** Golden canonical events → the `/v1/embeddings` body, numbers and base64 (protocols §1.8). */

const embeddings = openaiInferenceRoutes.find((r) => r.path === '/v1/embeddings')!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'emb', created: 1700000000 };

function respond(body: Record<string, unknown>) {
  const req = embeddings.parse({ model: 'emb', input: ['a b', 'c'], ...body }, ctx).request;
  const c = new ResultCollector(req.sampling.n);
  for (const e of [
    { type: 'start', nodeId: 'n1', model: 'emb', created: 1 },
    { type: 'embedding', index: 0, vector: [1, -2, 0.5] },
    { type: 'embedding', index: 1, vector: [0.1, 0, -0.25] },
    { type: 'usage', promptTokens: 3, completionTokens: 0 },
    { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
  ] as StreamEvent[])
    c.add(e);
  return embeddings.respond(req, c.result(), meta, undefined);
}

describe('embeddings response', () => {
  it('renders the list with numbers by default', () => {
    expect(respond({})).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [1, -2, 0.5] },
        { object: 'embedding', index: 1, embedding: [0.1, 0, -0.25] },
      ],
      model: 'emb',
      usage: { prompt_tokens: 3, total_tokens: 3 },
    });
  });

  it('renders base64 of little-endian float32 when asked', () => {
    const body = respond({ encoding_format: 'base64' }) as {
      data: { embedding: string }[];
    };
    // 1.0 = 3f800000, -2.0 = c0000000, 0.5 = 3f000000, each written low byte first.
    expect(body.data[0]!.embedding).toBe('AACAPwAAAMAAAAA/');
    const decoded = Buffer.from(body.data[1]!.embedding, 'base64');
    expect([0, 4, 8].map((o) => decoded.readFloatLE(o))).toEqual([Math.fround(0.1), 0, -0.25]);
  });

  it('encodes an empty vector as an empty string', () => {
    expect(float32Base64([])).toBe('');
  });

  it('has an error frame even though it never streams', () => {
    const req = embeddings.parse({ model: 'emb', input: 'x' }, ctx).request;
    expect(req.stream).toBe(false);
    const enc = embeddings.createStreamEncoder(req, meta, undefined);
    expect(enc.event({ type: 'embedding', index: 0, vector: [1] })).toBe('');
  });
});
