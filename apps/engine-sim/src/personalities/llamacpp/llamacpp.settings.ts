import { f32, type JsonObject, type JsonValue } from '../../core/json-writer';
import {
  type Body,
  readBool,
  readInt,
  readNumber,
  readString,
  readStrings,
} from '../../core/request-fields';

/**
 * llama.cpp's per-task parameters (`task_params::to_json`), shown as `generation_settings` in
 * final `/completion` records and, in a shorter form, as a slot's `params` in `/slots` and
 * `/props`. Field order is the order llama.cpp prints them.
 */

// prettier-ignore
const FULL_ORDER = [
  'seed', 'temperature', 'dynatemp_range', 'dynatemp_exponent', 'top_k', 'top_p', 'min_p',
  'top_n_sigma', 'xtc_probability', 'xtc_threshold', 'typical_p', 'repeat_last_n',
  'repeat_penalty', 'presence_penalty', 'frequency_penalty', 'dry_multiplier', 'dry_base',
  'dry_allowed_length', 'dry_penalty_last_n', 'dry_sequence_breakers', 'mirostat',
  'mirostat_tau', 'mirostat_eta', 'adaptive_target', 'adaptive_decay', 'stop', 'max_tokens',
  'n_predict', 'n_keep', 'n_discard', 'ignore_eos', 'stream', 'logit_bias', 'n_probs',
  'min_keep', 'grammar', 'grammar_lazy', 'grammar_triggers', 'preserved_tokens', 'chat_format',
  'reasoning_format', 'reasoning_in_content', 'generation_prompt', 'samplers',
  'speculative.types', 'timings_per_token', 'post_sampling_probs', 'backend_sampling', 'lora',
] as const;

export type SettingKey = (typeof FULL_ORDER)[number];
export type SettingValues = Readonly<Record<SettingKey, JsonValue>>;

// prettier-ignore
const SLOT_HIDDEN: ReadonlySet<SettingKey> = new Set([
  'dry_sequence_breakers', 'stop', 'logit_bias', 'grammar', 'grammar_lazy', 'grammar_triggers',
  'preserved_tokens',
] as const);

const SLOT_ORDER = FULL_ORDER.filter((key) => !SLOT_HIDDEN.has(key));

type SamplingField =
  | { readonly kind: 'float'; readonly fallback: number }
  | { readonly kind: 'int'; readonly fallback: number }
  | { readonly kind: 'bool'; readonly fallback: boolean }
  | { readonly kind: 'string'; readonly fallback: string }
  | { readonly kind: 'strings'; readonly fallback: readonly string[] };

const float = (fallback: number): SamplingField => ({ kind: 'float', fallback });
const int = (fallback: number): SamplingField => ({ kind: 'int', fallback });
const bool = (fallback: boolean): SamplingField => ({ kind: 'bool', fallback });

/** Fields a request may set directly, with the server defaults. */
const SAMPLING_DEFAULTS = {
  temperature: float(0.8),
  dynatemp_range: float(0),
  dynatemp_exponent: float(1),
  top_k: int(40),
  top_p: float(0.95),
  min_p: float(0.05),
  top_n_sigma: float(-1),
  xtc_probability: float(0),
  xtc_threshold: float(0.1),
  typical_p: float(1),
  repeat_last_n: int(64),
  repeat_penalty: float(1),
  presence_penalty: float(0),
  frequency_penalty: float(0),
  dry_multiplier: float(0),
  dry_base: float(1.75),
  dry_allowed_length: int(2),
  dry_penalty_last_n: int(64),
  dry_sequence_breakers: { kind: 'strings', fallback: ['\n', ':', '"', '*'] },
  mirostat: int(0),
  mirostat_tau: float(5),
  mirostat_eta: float(0.1),
  adaptive_target: float(-1),
  adaptive_decay: float(0.9),
  n_keep: int(0),
  n_discard: int(0),
  ignore_eos: bool(false),
  min_keep: int(0),
  grammar: { kind: 'string', fallback: '' },
  timings_per_token: bool(false),
  post_sampling_probs: bool(false),
  backend_sampling: bool(false),
} as const satisfies Partial<Record<SettingKey, SamplingField>>;

type SamplingKey = keyof typeof SAMPLING_DEFAULTS;

// prettier-ignore
const DEFAULT_SAMPLERS = [
  'penalties', 'dry', 'top_n_sigma', 'top_k', 'typ_p', 'top_p', 'min_p', 'xtc', 'temperature',
];

/** Values the route decides rather than the sampling table. */
export interface TaskFacts {
  seed: number;
  stop: readonly string[];
  nPredict: number;
  stream: boolean;
  nProbs: number;
  chatFormat: string;
  reasoningFormat: string;
  generationPrompt: string;
}

/** Every setting for a task, from the request body (or `{}` for the server defaults). */
export function resolveSettings(body: Body, facts: TaskFacts): SettingValues {
  const sampling = Object.fromEntries(
    Object.entries(SAMPLING_DEFAULTS).map(([key, field]) => [key, readSampling(body, key, field)]),
  ) as Record<SamplingKey, JsonValue>;
  return {
    ...sampling,
    seed: facts.seed,
    stop: facts.stop,
    max_tokens: facts.nPredict,
    n_predict: facts.nPredict,
    stream: facts.stream,
    logit_bias: [],
    n_probs: facts.nProbs,
    grammar_lazy: false,
    grammar_triggers: [],
    preserved_tokens: [],
    chat_format: facts.chatFormat,
    reasoning_format: readString(body, 'reasoning_format', facts.reasoningFormat),
    reasoning_in_content: false,
    generation_prompt: facts.generationPrompt,
    samplers: readStrings(body, 'samplers', DEFAULT_SAMPLERS),
    'speculative.types': 'none',
    lora: [],
  };
}

/** `generation_settings` (full) or a slot's `params` (short). */
export function settingsJson(values: SettingValues, view: 'full' | 'slot'): JsonObject {
  const keys = view === 'full' ? FULL_ORDER : SLOT_ORDER;
  return Object.fromEntries(keys.map((key) => [key, values[key]]));
}

function readSampling(body: Body, key: string, field: SamplingField): JsonValue {
  switch (field.kind) {
    case 'float':
      return f32(readNumber(body, key, field.fallback));
    case 'int':
      return readInt(body, key, field.fallback);
    case 'bool':
      return readBool(body, key, field.fallback);
    case 'string':
      return readString(body, key, field.fallback);
    case 'strings':
      return readStrings(body, key, field.fallback);
  }
}
