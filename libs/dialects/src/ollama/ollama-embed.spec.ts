import { SwitchyardError, type StreamEvent } from '@switchyard/contracts';
import { ResultCollector } from '../collect';
import { ollamaInferenceRoutes } from './ollama.dialect';
import {
  ollamaEmbeddingsResponse,
  ollamaEmbedResponse,
  parseOllamaEmbed,
  parseOllamaEmbeddings,
} from './ollama-embed';
import type { OllamaClock } from './ollama-wire';

const embed = ollamaInferenceRoutes.find((r) => r.path === '/api/embed')!;
const embeddings = ollamaInferenceRoutes.find((r) => r.path === '/api/embeddings')!;
const ctx = { requestId: 'r1', headers: {} };
const meta = { requestId: 'r1', model: 'nomic-embed-text', created: 1700000000 };

/** Every monotonic reading is 10 ms after the last. */
function fakeClock(): OllamaClock {
  let mono = 0n;
  return { monoNs: () => (mono += 10_000_000n), wallNs: () => 0n };
}

const canonical = (input: string[]) => ({
  id: 'r1',
  kind: 'embedding',
  model: 'nomic-embed-text',
  input,
  sampling: { stop: [], n: 1 },
  stream: false,
  includeUsage: false,
  priority: 0,
  modalities: ['text'],
});

function collect(events: StreamEvent[]) {
  const c = new ResultCollector(1);
  events.forEach((e) => c.add(e));
  return c.result();
}

function parseError(route: typeof embed, body: unknown): SwitchyardError {
  try {
    route.parse(body, ctx);
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('Ollama /api/embed and /api/embeddings → canonical', () => {
  it.each([
    ['one string', embed, { model: 'nomic-embed-text', input: 'hello' }, ['hello']],
    [
      'a list, in order, with every Ollama option accepted',
      embed,
      {
        model: 'nomic-embed-text',
        input: ['a', 'b', ''],
        truncate: false,
        options: { num_ctx: 8192 },
        keep_alive: '10m',
      },
      ['a', 'b', ''],
    ],
    ['the legacy prompt', embeddings, { model: 'nomic-embed-text', prompt: 'hello' }, ['hello']],
  ])('%s', (_name, route, body, input) => {
    const { request, facts } = route.parse(body, ctx);
    expect(request).toEqual(canonical(input));
    expect(facts.load).toBeUndefined();
  });

  it('passes a positive dimensions; Ollama ignores zero and negatives', () => {
    const body = { model: 'nomic-embed-text', input: 'x' };
    expect(embed.parse({ ...body, dimensions: 64 }, ctx).request).toEqual({
      ...canonical(['x']),
      dimensions: 64,
    });
    expect(embed.parse({ ...body, dimensions: 0 }, ctx).request).toEqual(canonical(['x']));
    expect(embed.parse({ ...body, dimensions: -1 }, ctx).request).toEqual(canonical(['x']));
  });

  it.each([
    ['no input', embed, { model: 'nomic-embed-text' }],
    ['an empty string', embed, { model: 'nomic-embed-text', input: '' }],
    ['an empty list', embed, { model: 'nomic-embed-text', input: [] }],
    ['an empty legacy prompt', embeddings, { model: 'nomic-embed-text', prompt: '' }],
  ])('%s loads the model: a one-input probe whose vector is dropped', (_name, route, body) => {
    const { request, facts } = route.parse(body, ctx);
    expect(request).toMatchObject({ kind: 'embedding', input: ['load'], stream: false });
    expect(facts.load).toBe('load');
  });

  const E = '/api/embed';
  it.each([
    [E, { input: 'x' }, 'model', "Invalid value for 'model': is required"],
    [E, { model: 'm', input: 3 }, 'input', "Invalid value for 'input': invalid input type"],
    [E, { model: 'm', input: ['a', 2] }, 'input', "Invalid value for 'input': invalid input type"],
    [E, { model: 'm', input: 'x', dimensions: 1.5 }, 'dimensions', undefined],
    ['/api/embeddings', { model: 'm', prompt: ['x'] }, 'prompt', undefined],
  ])('%s refuses %j', (path, body, param, message) => {
    const err = parseError(path === E ? embed : embeddings, body);
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.param).toBe(param);
    if (message !== undefined) expect(err.message).toBe(message);
  });
});

describe('Ollama embedding responses', () => {
  const vectors: StreamEvent[] = [
    { type: 'start', nodeId: 'n1', model: 'nomic-embed-text', created: 1 },
    { type: 'embedding', index: 1, vector: [0, 2] },
    { type: 'embedding', index: 0, vector: [3, 4] },
    { type: 'usage', promptTokens: 7, completionTokens: 0 },
    { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
  ];

  it('/api/embed: vectors by input position, L2-normalised, with duration and count', () => {
    const clock = fakeClock();
    const { facts } = parseOllamaEmbed(
      { model: 'nomic-embed-text', input: ['a', 'b'] },
      ctx,
      clock,
    );
    expect(ollamaEmbedResponse(collect(vectors), meta, facts, clock)).toEqual({
      model: 'nomic-embed-text',
      embeddings: [
        [0.6, 0.8],
        [0, 1],
      ],
      total_duration: 10000000,
      prompt_eval_count: 7,
    });
  });

  it('/api/embed: zero figures are left out, as Go omits them', () => {
    // Answered in the nanosecond it was parsed in, with no usage: no duration, no count.
    const still: OllamaClock = { monoNs: () => 5n, wallNs: () => 0n };
    const { facts } = parseOllamaEmbed({ model: 'nomic-embed-text', input: 'a' }, ctx, still);
    const result = collect([
      { type: 'embedding', index: 0, vector: [1, 0] },
      { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] },
    ]);
    expect(ollamaEmbedResponse(result, meta, facts, still)).toEqual({
      model: 'nomic-embed-text',
      embeddings: [[1, 0]],
    });
  });

  it('/api/embeddings: the first vector as the engine gave it', () => {
    const { facts } = parseOllamaEmbeddings({ model: 'nomic-embed-text', prompt: 'a' }, ctx);
    expect(ollamaEmbeddingsResponse(collect(vectors), facts)).toEqual({ embedding: [3, 4] });
  });

  it('a load answers no vectors', () => {
    const load = parseOllamaEmbed({ model: 'nomic-embed-text', input: [] }, ctx);
    expect(embed.respond(load.request, collect(vectors), meta, load.facts)).toEqual({
      model: 'nomic-embed-text',
      embeddings: [],
    });
    const legacy = parseOllamaEmbeddings({ model: 'nomic-embed-text' }, ctx);
    expect(embeddings.respond(legacy.request, collect(vectors), meta, legacy.facts)).toEqual({
      embedding: [],
    });
  });

  it('an error after the answer started is one {"error"} line', () => {
    const { request, facts } = parseOllamaEmbed({ model: 'nomic-embed-text', input: 'a' }, ctx);
    const enc = embed.createStreamEncoder(request, meta, facts);
    expect(enc.event(vectors[1]!)).toBe('');
    expect(enc.error(new SwitchyardError('SY_ENGINE_ERROR', 'runner died'))).toBe(
      '{"error":"runner died"}\n',
    );
    expect(enc.end()).toBe('');
  });
});
