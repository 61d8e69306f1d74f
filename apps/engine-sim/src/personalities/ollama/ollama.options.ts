import type { Body } from '../../core/request-fields';
import { SimError } from '../../core/sim-errors';

/**
 * The `options` map (`api/types.go` `Options`, `Runner`, `FromMap`): known keys must have their
 * field's type, unknown ones are ignored (Ollama only logs them). A wrong type fails the
 * request with 500, as `modelOptions` errors reach the client through the scheduler.
 */

type OptionKind = 'integer' | 'float32' | 'boolean' | 'strings';

// prettier-ignore
const OPTION_KINDS = {
  num_keep: 'integer', seed: 'integer', num_predict: 'integer', top_k: 'integer',
  top_p: 'float32', min_p: 'float32', typical_p: 'float32', repeat_last_n: 'integer',
  temperature: 'float32', repeat_penalty: 'float32', presence_penalty: 'float32',
  frequency_penalty: 'float32', stop: 'strings', num_ctx: 'integer', num_batch: 'integer',
  num_gpu: 'integer', main_gpu: 'integer', use_mmap: 'boolean', num_thread: 'integer',
} as const satisfies Record<string, OptionKind>;

type OptionKey = keyof typeof OPTION_KINDS;
type OptionValue<K extends OptionKind> = K extends 'boolean'
  ? boolean
  : K extends 'strings'
    ? readonly string[]
    : number;

export type Options = { readonly [K in OptionKey]?: OptionValue<(typeof OPTION_KINDS)[K]> };

const CHECKS = {
  integer: (v) => typeof v === 'number',
  float32: (v) => typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  strings: (v) => Array.isArray(v) && v.every((s) => typeof s === 'string'),
} as const satisfies Record<OptionKind, (value: unknown) => boolean>;

const TYPE_NAMES: Readonly<Record<OptionKind, string>> = {
  integer: 'of type integer',
  float32: 'of type float32',
  boolean: 'of type boolean',
  strings: 'an array of strings',
};

const isOptionKey = (key: string): key is OptionKey => Object.hasOwn(OPTION_KINDS, key);

export function readOptions(map: unknown): Options {
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries((map ?? {}) as Body)) {
    if (!isOptionKey(key) || value === null) continue;
    const kind: OptionKind = OPTION_KINDS[key];
    if (!CHECKS[kind](value)) {
      throw new SimError('server', `option "${key}" must be ${TYPE_NAMES[kind]}`);
    }
    // Go converts a JSON number into an int field by truncating it.
    options[key] = kind === 'integer' ? Math.trunc(value as number) : value;
  }
  return options;
}
