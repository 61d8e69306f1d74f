import { type SwitchyardError } from '@switchyard/contracts';
import { fakeCatalog } from '../catalog.spec-support';
import { countTokensRoute } from './anthropic-count-tokens';

const catalog = fakeCatalog(['claude-local']);
const count = (body: unknown) =>
  countTokensRoute.handle({ body, params: {}, headers: {}, catalog }).body as {
    input_tokens: number;
  };

describe('Anthropic POST /v1/messages/count_tokens', () => {
  it('estimates the input tokens of a Messages body without max_tokens', () => {
    const short = count({ model: 'claude-local', messages: [{ role: 'user', content: 'Hi' }] });
    // 4 tokens of framing + ceil(2 bytes / 4)
    expect(short).toEqual({ input_tokens: 5 });
    const long = count({
      model: 'claude-local',
      system: 'You are terse.',
      messages: [{ role: 'user', content: 'x'.repeat(4000) }],
      tools: [{ name: 'get_weather', input_schema: { type: 'object' } }],
    });
    expect(long.input_tokens).toBeGreaterThan(1000);
    expect(long.input_tokens).toBeLessThan(1100);
  });

  it('refuses an unknown model with 404 and a malformed body with 400', () => {
    const refusal = (body: unknown) => {
      try {
        count(body);
      } catch (err) {
        return err as SwitchyardError;
      }
      throw new Error('expected a refusal');
    };
    expect(refusal({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }).code).toBe(
      'SY_MODEL_NOT_FOUND',
    );
    expect(refusal({ model: 'claude-local', messages: [] }).code).toBe('SY_BAD_REQUEST');
  });
});
