import { ERROR_CODES, type InferenceRequest } from '@switchyard/contracts';
import { FILTERS, type FilterName } from '@switchyard/scheduling';
import { FILTER_REFUSALS, refusal } from './refusals';

const req = { model: 'm', selectors: { zone: 'a' } } as unknown as InferenceRequest;

describe('filter refusals', () => {
  it('has a row for every filter', () => {
    expect(Object.keys(FILTER_REFUSALS).sort()).toEqual(Object.keys(FILTERS).sort());
  });

  it.each<[FilterName | null, boolean, string, string | undefined]>([
    [null, false, 'SY_MODEL_NOT_FOUND', 'model'],
    ['serves-model', false, 'SY_MODEL_NOT_FOUND', 'model'],
    ['serves-model', true, 'SY_NO_CAPACITY', undefined],
    ['ready', true, 'SY_NO_CAPACITY', undefined],
    ['circuit', true, 'SY_NO_CAPACITY', undefined],
    ['embeddings', true, 'SY_BAD_REQUEST', 'model'],
    ['selectors', true, 'SY_BAD_REQUEST', 'selectors'],
  ])('%s (model known: %s) → %s naming %s', (filter, knownModel, code, param) => {
    const err = refusal(filter, req, { knownModel });
    expect(err.code).toBe(code);
    expect(err.param).toBe(param);
    expect(err.retryAfterSeconds).toBe(ERROR_CODES[err.code].retryAfterSeconds);
  });

  it('names the selectors that matched no node', () => {
    expect(refusal('selectors', req, { knownModel: true }).message).toContain('zone=a');
  });
});
