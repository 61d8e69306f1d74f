import type { UsageEvent } from '@switchyard/contracts';

/**
 * What one `usage` object on an OpenAI-style stream chunk covers.
 * - `request`: the whole request (OpenAI's final `choices: []` chunk, vLLM's continuous usage),
 *   so the latest reading replaces the earlier ones.
 * - `choice`: only the choice of the chunk it rides on (MindIE puts one on each choice's finish
 *   chunk), so completion and reasoning tokens add up over choices and the shared prompt counts once.
 * - `record`: every reading is one more choice's, on a chunk that does not say which (llama.cpp
 *   runs each of `n` choices as its own task, and each ends with its own `choices: []` usage
 *   chunk); they add up like `choice` readings.
 */
export type UsageScope = 'request' | 'choice' | 'record';

/** Collects the usage readings of one stream into the single canonical `usage` event. */
export interface UsageTally {
  /** One chunk's reading; `index` is the chunk's choice index (unused for `request` scope). */
  add(reading: UsageEvent, index: number): void;
  /** The request's usage, or undefined when the engine sent none. */
  total(): UsageEvent | undefined;
}

/** Which reading a new one replaces: same key, same reading. */
const KEY = {
  request: () => 0,
  choice: (index) => index,
  record: (_index, count) => count,
} as const satisfies Record<UsageScope, (index: number, count: number) => number>;

export function createUsageTally(scope: UsageScope): UsageTally {
  // A repeated reading for the same key replaces the earlier one instead of adding to it.
  const readings = new Map<number, UsageEvent>();
  return {
    add(reading, index) {
      readings.set(KEY[scope](index, readings.size), reading);
    },
    total() {
      const parts = [...readings.values()];
      return parts.length <= 1 ? parts[0] : combine(parts);
    },
  };
}

function combine(parts: readonly UsageEvent[]): UsageEvent {
  const usage: UsageEvent = {
    type: 'usage',
    promptTokens: Math.max(...parts.map((p) => p.promptTokens)),
    completionTokens: sum(parts.map((p) => p.completionTokens)),
  };
  const cached = defined(parts.map((p) => p.cachedTokens));
  const reasoning = defined(parts.map((p) => p.reasoningTokens));
  if (cached.length > 0) usage.cachedTokens = Math.max(...cached);
  if (reasoning.length > 0) usage.reasoningTokens = sum(reasoning);
  return usage;
}

function defined(values: readonly (number | undefined)[]): number[] {
  return values.filter((v): v is number => v !== undefined);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, v) => total + v, 0);
}
