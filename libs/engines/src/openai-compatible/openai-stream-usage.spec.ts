import type { UsageEvent } from '@switchyard/contracts';
import { createUsageTally, type UsageScope } from './openai-stream-usage';

const usage = (
  promptTokens: number,
  completionTokens: number,
  extra: Partial<UsageEvent> = {},
): UsageEvent => ({ type: 'usage', promptTokens, completionTokens, ...extra });

describe('createUsageTally', () => {
  it.each<[string, UsageScope, [UsageEvent, number][], UsageEvent | undefined]>([
    ['nothing in request scope', 'request', [], undefined],
    ['nothing in choice scope', 'choice', [], undefined],
    ['nothing in record scope', 'record', [], undefined],
    [
      'one usage chunk per choice, none saying which (record scope): they add up',
      'record',
      [
        [usage(29, 4, { cachedTokens: 10 }), 0],
        [usage(29, 5, { cachedTokens: 28 }), 0],
        [usage(29, 3, { cachedTokens: 28 }), 0],
      ],
      usage(29, 12, { cachedTokens: 28 }),
    ],
    [
      'continuous usage (request scope): the latest reading wins',
      'request',
      [
        [usage(9, 1), 0],
        [usage(9, 2), 1],
        [usage(9, 5, { cachedTokens: 4 }), 0],
      ],
      usage(9, 5, { cachedTokens: 4 }),
    ],
    [
      'one choice (choice scope): its reading as sent',
      'choice',
      [[usage(12, 21, { cachedTokens: 8, reasoningTokens: 14 }), 0]],
      usage(12, 21, { cachedTokens: 8, reasoningTokens: 14 }),
    ],
    [
      'two choices: completions and reasoning add up, prompt and cache count once',
      'choice',
      [
        [usage(9, 3, { cachedTokens: 4, reasoningTokens: 2 }), 1],
        [usage(9, 4, { cachedTokens: 4, reasoningTokens: 1 }), 0],
      ],
      usage(9, 7, { cachedTokens: 4, reasoningTokens: 3 }),
    ],
    [
      'two choices without details: no detail fields invented',
      'choice',
      [
        [usage(9, 3), 0],
        [usage(9, 4), 1],
      ],
      usage(9, 7),
    ],
    [
      'a repeated reading for one choice replaces the earlier one',
      'choice',
      [
        [usage(9, 3), 0],
        [usage(9, 3), 0],
        [usage(9, 4), 1],
      ],
      usage(9, 7),
    ],
  ])('%s', (_name, scope, readings, expected) => {
    const tally = createUsageTally(scope);
    readings.forEach(([reading, index]) => tally.add(reading, index));
    expect(tally.total()).toStrictEqual(expected);
  });
});
