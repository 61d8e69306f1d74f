import { type Body, isRecord } from '../../core/request-fields';
import { invalid } from './vllm.errors';

/**
 * Typed request fields and their ranges, checked the way vLLM checks them: the type by pydantic
 * (`null` always allowed, the fields are optional), the range by `SamplingParams._verify_args`,
 * whose wording the messages keep. Fields not listed are accepted and ignored.
 */

type FieldType = 'int' | 'number' | 'bool' | 'string' | 'stop' | 'object' | 'array';

export interface FieldRule {
  readonly type: FieldType;
  /** The problem with a numeric value, or undefined when it is in range. */
  readonly range?: (value: number) => string | undefined;
}

const TYPES = {
  int: { test: (v) => typeof v === 'number' && Number.isInteger(v), name: 'a valid integer' },
  number: { test: (v) => typeof v === 'number' && Number.isFinite(v), name: 'a valid number' },
  bool: { test: (v) => typeof v === 'boolean', name: 'a valid boolean' },
  string: { test: (v) => typeof v === 'string', name: 'a valid string' },
  stop: {
    test: (v) =>
      typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string')),
    name: 'a valid string or a list of strings',
  },
  object: { test: isRecord, name: 'a valid dictionary' },
  array: { test: Array.isArray, name: 'a valid list' },
} as const satisfies Record<FieldType, { test: (value: unknown) => boolean; name: string }>;

const atLeast =
  (name: string, min: number) =>
  (v: number): string | undefined =>
    v < min ? `${name} must be at least ${min}, got ${v}.` : undefined;

const within =
  (name: string, lo: number, hi: number) =>
  (v: number): string | undefined =>
    v < lo || v > hi ? `${name} must be in [${lo}, ${hi}], got ${v}.` : undefined;

/** The sampling fields every generation route shares (`SamplingParams`). */
export const COMMON_FIELDS = {
  model: { type: 'string' },
  n: { type: 'int', range: atLeast('n', 1) },
  max_tokens: { type: 'int', range: atLeast('max_tokens', 1) },
  temperature: {
    type: 'number',
    range: (v) => (v < 0 ? `temperature must be non-negative, got ${v}.` : undefined),
  },
  top_p: {
    type: 'number',
    range: (v) => (v <= 0 || v > 1 ? `top_p must be in (0, 1], got ${v}.` : undefined),
  },
  top_k: {
    type: 'int',
    range: (v) => (v < -1 ? `top_k must be 0 (disable), or at least 1, got ${v}.` : undefined),
  },
  min_p: { type: 'number', range: within('min_p', 0, 1) },
  presence_penalty: { type: 'number', range: within('presence_penalty', -2, 2) },
  frequency_penalty: { type: 'number', range: within('frequency_penalty', -2, 2) },
  repetition_penalty: {
    type: 'number',
    range: (v) => (v <= 0 ? `repetition_penalty must be greater than zero, got ${v}.` : undefined),
  },
  seed: { type: 'int' },
  stop: { type: 'stop' },
  stream: { type: 'bool' },
  stream_options: { type: 'object' },
  ignore_eos: { type: 'bool' },
  include_stop_str_in_output: { type: 'bool' },
} as const satisfies Record<string, FieldRule>;

/** Throws the first problem as a 400 `invalid_request`. */
export function checkFields(body: Body, fields: Readonly<Record<string, FieldRule>>): void {
  for (const [key, rule] of Object.entries(fields)) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    const type = TYPES[rule.type];
    if (!type.test(value)) throw invalid(`${key}: Input should be ${type.name}`);
    const problem = typeof value === 'number' ? rule.range?.(value) : undefined;
    if (problem !== undefined) throw invalid(problem);
  }
}
