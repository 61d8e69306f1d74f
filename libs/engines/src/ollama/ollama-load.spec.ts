import { fixtureText } from '@switchyard/testing';
import { ollamaAdapter } from './ollama.adapter';
import { ollamaLoadedModels } from './ollama-load';

const read = (name: string): string => fixtureText('ollama', name);

const NOT_EXPOSED = {
  kvCacheUsage: null,
  prefixCacheHitRate: null,
  promptTokensPerSecond: null,
  generationTokensPerSecond: null,
  ttftMs: null,
};

describe('ollamaAdapter.parseLoad', () => {
  it.each([
    ['a loaded model', { ps: read('ps.json') }],
    ['no loaded model', { ps: read('ps-empty.json') }],
    ['no /api/ps', { ps: undefined }],
  ])('leaves running and waiting to the worker with %s', (_name, bodies) => {
    expect(ollamaAdapter.parseLoad(bodies)).toEqual(NOT_EXPOSED);
  });

  it('has no counters to offer', () => {
    expect('parseCounters' in ollamaAdapter).toBe(false);
  });
});

describe('ollamaLoadedModels', () => {
  it.each<[string, string | undefined, string[]]>([
    ['ps.json', read('ps.json'), ['llama3.1:8b']],
    ['ps-empty.json', read('ps-empty.json'), []],
    ['a missing body', undefined, []],
    ['an unreadable body', '<html>', []],
  ])('reads %s', (_name, body, models) => {
    expect(ollamaLoadedModels(body)).toEqual(models);
  });
});

describe('ollamaAdapter.embeddings', () => {
  const codec = ollamaAdapter.embeddings;

  it('posts the inputs to /api/embed', () => {
    expect(codec.build('nomic-embed-text:latest', ['a', 'b'])).toEqual({
      method: 'POST',
      path: '/api/embed',
      body: { model: 'nomic-embed-text:latest', input: ['a', 'b'] },
    });
  });

  it('reads one vector per input and the prompt tokens', () => {
    expect(codec.parse(JSON.parse(read('embed.json')))).toEqual({
      vectors: [
        [0.010071029, -0.0017594862, 0.05007221, 0.04692972, 0.054916814],
        [-0.0098027075, 0.06042469, 0.025257962, -0.006364387, 0.07272725],
      ],
      promptTokens: 8,
    });
  });

  it.each([
    [null, { vectors: [], promptTokens: null }],
    [{ embeddings: [[1, 'x'], [], [0.5]] }, { vectors: [[0.5]], promptTokens: null }],
  ])('drops what is not a vector in %p', (body, parsed) => {
    expect(codec.parse(body)).toEqual(parsed);
  });
});
