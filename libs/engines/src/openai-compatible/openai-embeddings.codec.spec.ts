import { SwitchyardError } from '@switchyard/contracts';
import { httpFixtureAt } from '@switchyard/testing';
import { openAiEmbeddings } from './openai-embeddings.codec';

/** The JSON body of a fixture response. */
const fixtureJson = (name: string): unknown => JSON.parse(httpFixtureAt(name).body) as unknown;

describe('openAiEmbeddings', () => {
  it('posts the inputs to /v1/embeddings as floats', () => {
    expect(openAiEmbeddings.build('BAAI/bge-m3', ['a', 'b'])).toEqual({
      method: 'POST',
      path: '/v1/embeddings',
      body: { model: 'BAAI/bge-m3', input: ['a', 'b'], encoding_format: 'float' },
    });
  });

  it.each([
    [
      'vllm/embeddings.http',
      {
        vectors: [
          [0.0123, -0.0456, 0.0789, -0.0012],
          [-0.0321, 0.0654, -0.0987, 0.0021],
        ],
        promptTokens: 9,
      },
    ],
    [
      'openai/embeddings.http',
      {
        vectors: [
          [-0.125, 0.75],
          [0.25, -0.5],
        ],
        promptTokens: 5,
      },
    ],
  ])('reads %s', (name, parsed) => {
    expect(openAiEmbeddings.parse(fixtureJson(name))).toEqual(parsed);
  });

  it('puts vectors in input order by index and tolerates missing usage', () => {
    const body = {
      data: [
        { index: 1, embedding: [2] },
        { index: 0, embedding: [1] },
      ],
    };
    expect(openAiEmbeddings.parse(body)).toEqual({ vectors: [[1], [2]], promptTokens: null });
  });

  it('reads an empty list', () => {
    expect(openAiEmbeddings.parse({ object: 'list', data: [] })).toEqual({
      vectors: [],
      promptTokens: null,
    });
  });

  it.each([
    null,
    {},
    { data: 'x' },
    { data: [null] },
    { data: [{ index: 0, embedding: 'AAAA' }] },
    { data: [{ embedding: [1, 'x'] }] },
  ])('refuses %p as SY_ENGINE_ERROR', (body) => {
    expect(() => openAiEmbeddings.parse(body)).toThrow(
      new SwitchyardError('SY_ENGINE_ERROR', 'engine sent an unreadable embeddings response'),
    );
  });
});
