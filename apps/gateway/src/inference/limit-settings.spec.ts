import { GATEWAY_ENV, gatewayConfigSchema } from '@switchyard/config';
import { LIMIT_SETTINGS, type LimitedField } from '@switchyard/dialects';

describe('request caps as gateway settings', () => {
  const fields = Object.keys(LIMIT_SETTINGS) as LimitedField[];

  it('every cap is a gateway setting, and its refusal names the setting’s real variable', () => {
    for (const f of fields) expect(GATEWAY_ENV[f]).toBe(LIMIT_SETTINGS[f]);
  });

  it('every cap has a positive default and takes a configured value', () => {
    const defaults = gatewayConfigSchema.parse({});
    for (const f of fields) expect(defaults[f]).toBeGreaterThan(0);
    expect(gatewayConfigSchema.parse({ maxEmbeddingInputs: '10' }).maxEmbeddingInputs).toBe(10);
    expect(gatewayConfigSchema.safeParse({ maxChoices: 0 }).success).toBe(false);
  });
});
