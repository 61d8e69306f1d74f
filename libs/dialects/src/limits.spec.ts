import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import { ENGINE_LIMIT_TOKENS, enforceLimits, type RequestLimits } from './limits';

const LIMITS: RequestLimits = {
  maxEmbeddingInputs: 4,
  maxChoices: 2,
  maxTokens: 1000,
  maxLogitBias: 3,
  maxStop: 2,
  maxTools: 1,
};

const chat = (
  sampling: Partial<InferenceRequest['sampling']> = {},
  tools = 0,
): InferenceRequest => ({
  id: 'r',
  kind: 'chat',
  model: 'm',
  messages: [{ role: 'user', content: 'hi' }],
  sampling: { stop: [], n: 1, ...sampling },
  stream: false,
  includeUsage: false,
  priority: 5,
  modalities: ['text'],
  ...(tools > 0 ? { tools: Array.from({ length: tools }, (_, i) => ({ name: `t${i}` })) } : {}),
});

function refusal(run: () => unknown): SwitchyardError {
  try {
    run();
  } catch (err) {
    if (err instanceof SwitchyardError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('enforceLimits', () => {
  it('passes a request within every cap unchanged', () => {
    const req = chat({ n: 2, maxTokens: 1000, stop: ['a', 'b'], logitBias: { 1: 1 } }, 1);
    expect(enforceLimits(req, LIMITS)).toBe(req);
  });

  it.each([
    [
      'n',
      chat({ n: 3 }),
      'n',
      /'n' has 3 choices; .* at most 2 \(setting SWITCHYARD_MAX_CHOICES\)/,
    ],
    ['stop', chat({ stop: ['a', 'b', 'c'] }), 'stop', /3 stop strings/],
    ['logit_bias', chat({ logitBias: { 1: 1, 2: 1, 3: 1, 4: 1 } }), 'logit_bias', /4 entries/],
    ['tools', chat({}, 2), 'tools', /2 tools/],
    [
      'max_tokens',
      chat({ maxTokens: 1001 }),
      'max_tokens',
      /'max_tokens' is 1001; .* at most 1000/,
    ],
  ])('refuses %s over its cap with a 400 naming the field', (_name, req, param, message) => {
    const err = refusal(() => enforceLimits(req, LIMITS));
    expect(err.code).toBe('SY_BAD_REQUEST');
    expect(err.httpStatus).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });

  it('caps embedding inputs', () => {
    const req: InferenceRequest = {
      ...chat(),
      kind: 'embedding',
      input: ['a', 'b', 'c', 'd', 'e'],
    };
    const err = refusal(() => enforceLimits(req, LIMITS, { maxEmbeddingInputs: 'input' }));
    expect(err.message).toMatch(/'input' has 5 inputs; .* at most 4/);
  });

  it("names the field as the route's client writes it", () => {
    const err = refusal(() =>
      enforceLimits(chat({ maxTokens: 5000 }), LIMITS, { maxTokens: 'options.num_predict' }),
    );
    expect(err.param).toBe('options.num_predict');
  });

  it("refuses max_tokens above the model's context, naming the context", () => {
    const err = refusal(() =>
      enforceLimits(chat({ maxTokens: 600 }), LIMITS, {}, { contextTokens: 512 }),
    );
    expect(err.message).toBe("'max_tokens' is 600; the context of model 'm' is 512 tokens.");
  });

  it("makes the engine's limit concrete: the context the prompt leaves, at most the ceiling", () => {
    const unbounded = chat({ maxTokens: ENGINE_LIMIT_TOKENS });
    // 512 - bytes of "user: hi" (8) - 64 for the template
    const bounded = (context: number) =>
      enforceLimits(unbounded, LIMITS, {}, { contextTokens: context }).sampling;
    expect(bounded(512).maxTokens).toBe(440);
    expect(bounded(100_000).maxTokens).toBe(1000);
  });

  it('leaves the bound to the engine when the context is unknown or the prompt may fill it', () => {
    const unbounded = chat({ maxTokens: ENGINE_LIMIT_TOKENS });
    expect(enforceLimits(unbounded, LIMITS).sampling).not.toHaveProperty('maxTokens');
    expect(enforceLimits(unbounded, LIMITS, {}, { contextTokens: 50 }).sampling).not.toHaveProperty(
      'maxTokens',
    );
  });
});
