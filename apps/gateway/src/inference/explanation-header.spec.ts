import type { PlacementDecision } from '@switchyard/scheduling';
import { explanationHeader, wantsExplanation } from './explanation-header';

describe('explanation header', () => {
  it('is asked for with 1, true or yes', () => {
    expect(wantsExplanation({ 'x-switchyard-explain': '1' })).toBe(true);
    expect(wantsExplanation({ 'x-switchyard-explain': 'TRUE' })).toBe(true);
    expect(wantsExplanation({ 'x-switchyard-explain': '0' })).toBe(false);
    expect(wantsExplanation({})).toBe(false);
  });

  it('lists scored candidates best first and groups removed nodes by filter', () => {
    const decision = {
      outcome: 'saturated',
      chosen: null,
      saturated: true,
      explored: false,
      candidates: [
        { nodeId: 'a', scores: { 'free-slots': { value: 0.25, weight: 1 } }, total: 0.25 },
        { nodeId: 'b', removedBy: 'serves-model' },
        { nodeId: 'c', scores: { 'free-slots': { value: 0.7501, weight: 1 } }, total: 0.7501 },
        ...Array.from({ length: 20 }, (_, i) => ({ nodeId: `x${i}`, removedBy: 'ready' })),
      ],
    } satisfies PlacementDecision;
    expect(JSON.parse(explanationHeader('switchyard', decision))).toEqual({
      strategy: 'switchyard',
      outcome: 'saturated',
      chosen: null,
      explored: false,
      candidates: [
        { node: 'c', total: 0.75, scores: { 'free-slots': [0.75, 1] } },
        { node: 'a', total: 0.25, scores: { 'free-slots': [0.25, 1] } },
      ],
      removed: { 'serves-model': ['b'], ready: { count: 20 } },
    });
  });
});
