import type { SamplingParams } from '@switchyard/contracts';
import { refuse } from '../canonical';

/**
 * The inputs a generate request may set besides `text_input`, as top-level keys or in
 * `parameters` (Triton docs/protocol/extension_generate.md: other top-level keys are inputs of
 * the same name). The names are those of Triton's two LLM backends: vLLM's
 * (triton-inference-server/vllm_backend src/utils/request.py: sampling parameters, `stream`,
 * `exclude_input_in_output`, `return_*`) and TensorRT-LLM's ensemble (`max_tokens`,
 * `stop_words`, `bad_words`, `random_seed`, `end_id`, `pad_id`, `beam_width`).
 */

export type Datatype = 'BYTES' | 'BOOL' | 'INT32' | 'UINT64' | 'FP32';

/** What the inputs of one request amount to. */
export interface GenerateDraft {
  sampling: Omit<SamplingParams, 'stop' | 'n'>;
  stop: string[];
  extra: Record<string, unknown>;
  stream?: boolean;
  excludeInputInOutput?: boolean;
}

interface InputSpec {
  datatype: Datatype;
  apply(value: unknown, draft: GenerateDraft, key: string): void;
}

const number = (value: unknown, key: string, ok: (v: number) => boolean, rule: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) {
    return refuse(key, `input '${key}' ${rule}, got ${JSON.stringify(value)}`);
  }
  return value;
};
const integer = (value: unknown, key: string, min: number): number =>
  number(value, key, (v) => Number.isInteger(v) && v >= min, `must be an integer >= ${min}`);
const bool = (value: unknown, key: string): boolean =>
  typeof value === 'boolean' ? value : refuse(key, `input '${key}' must be a boolean`);

/** A string or a list of strings; `""` and `[]` mean none (TensorRT-LLM's empty `stop_words`). */
function words(value: unknown, key: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((w): w is string => typeof w === 'string')) {
    return refuse(key, `input '${key}' must be a string or a list of strings`);
  }
  return list.filter((w) => w !== '');
}

const sampling =
  (field: keyof GenerateDraft['sampling'], read: (v: unknown, key: string) => number) =>
  (value: unknown, draft: GenerateDraft, key: string) => {
    (draft.sampling as Record<string, number>)[field] = read(value, key);
  };
const real = (ok: (v: number) => boolean, rule: string) => (v: unknown, key: string) =>
  number(v, key, ok, rule);

/** Accepted with no effect: the answer is the same either way. */
const noEffect = (datatype: Datatype, check: (v: unknown, key: string) => unknown): InputSpec => ({
  datatype,
  apply: (value, _draft, key) => void check(value, key),
});

export const GENERATE_INPUTS: Readonly<Record<string, InputSpec>> = {
  stream: { datatype: 'BOOL', apply: (v, d, k) => (d.stream = bool(v, k)) },
  streaming: { datatype: 'BOOL', apply: (v, d, k) => (d.stream = bool(v, k)) },
  exclude_input_in_output: {
    datatype: 'BOOL',
    apply: (v, d, k) => (d.excludeInputInOutput = bool(v, k)),
  },
  max_tokens: { datatype: 'INT32', apply: sampling('maxTokens', (v, k) => integer(v, k, 1)) },
  temperature: {
    datatype: 'FP32',
    apply: sampling(
      'temperature',
      real((v) => v >= 0, 'must be >= 0'),
    ),
  },
  top_p: {
    datatype: 'FP32',
    apply: sampling(
      'topP',
      real((v) => v > 0 && v <= 1, 'must be in (0, 1]'),
    ),
  },
  top_k: {
    datatype: 'INT32',
    // 0 (and vLLM's -1) turn top-k off.
    apply: (v, d, k) => {
      const topK = integer(v, k, -1);
      if (topK > 0) d.sampling.topK = topK;
    },
  },
  min_p: {
    datatype: 'FP32',
    apply: sampling(
      'minP',
      real((v) => v >= 0 && v <= 1, 'must be in [0, 1]'),
    ),
  },
  presence_penalty: {
    datatype: 'FP32',
    apply: sampling(
      'presencePenalty',
      real((v) => v >= -2 && v <= 2, 'must be in [-2, 2]'),
    ),
  },
  frequency_penalty: {
    datatype: 'FP32',
    apply: sampling(
      'frequencyPenalty',
      real((v) => v >= -2 && v <= 2, 'must be in [-2, 2]'),
    ),
  },
  repetition_penalty: {
    datatype: 'FP32',
    apply: sampling(
      'repetitionPenalty',
      real((v) => v > 0, 'must be > 0'),
    ),
  },
  seed: { datatype: 'UINT64', apply: sampling('seed', (v, k) => integer(v, k, 0)) },
  random_seed: { datatype: 'UINT64', apply: sampling('seed', (v, k) => integer(v, k, 0)) },
  stop: { datatype: 'BYTES', apply: (v, d, k) => d.stop.push(...words(v, k)) },
  stop_words: { datatype: 'BYTES', apply: (v, d, k) => d.stop.push(...words(v, k)) },
  ignore_eos: { datatype: 'BOOL', apply: (v, d, k) => (d.extra.ignore_eos = bool(v, k)) },
  bad_words: noEffect('BYTES', (v, k) => {
    if (words(v, k).length > 0) refuse(k, `input '${k}' is not supported; only "" is accepted`);
  }),
  beam_width: noEffect('INT32', (v, k) => {
    if (integer(v, k, 1) !== 1) refuse(k, `input '${k}' is not supported; only 1 is accepted`);
  }),
  // Token ids of the engine's own tokenizer; the engine uses its own end and padding tokens.
  end_id: noEffect('INT32', (v, k) => integer(v, k, 0)),
  pad_id: noEffect('INT32', (v, k) => integer(v, k, 0)),
  // The answer always carries finish_reason and both token counts.
  return_finish_reason: noEffect('BOOL', bool),
  return_num_input_tokens: noEffect('BOOL', bool),
  return_num_output_tokens: noEffect('BOOL', bool),
};

/** Applies every input of a request; an input Triton's LLM backends do not have is refused by name. */
export function applyInputs(inputs: Record<string, unknown>, model: string): GenerateDraft {
  const draft: GenerateDraft = { sampling: {}, stop: [], extra: {} };
  for (const [key, value] of Object.entries(inputs)) {
    if (value === null) continue;
    const spec = Object.hasOwn(GENERATE_INPUTS, key) ? GENERATE_INPUTS[key] : undefined;
    if (!spec) refuse(key, `unexpected inference input '${key}' for model '${model}'`);
    spec.apply(value, draft, key);
  }
  return draft;
}
