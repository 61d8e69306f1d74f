import { z } from 'zod';

/**
 * The vLLM demo server's body (vllm/entrypoints/api_server.py `generate`): `prompt`, `stream`,
 * and every other key handed to `SamplingParams(**kwargs)`. Types here; ranges are checked in
 * vllm-parse.ts with `SamplingParams._verify_args`' words.
 */

const int = z.number().int();

export const vllmGenerateSchema = z.looseObject({
  prompt: z.string(),
  stream: z.boolean().nullish(),
  /** Switchyard extension: which model (the demo server serves one and has no such field). */
  model: z.string().nullish(),
  n: int.nullish(),
  temperature: z.number().nullish(),
  top_p: z.number().nullish(),
  top_k: int.nullish(),
  min_p: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
  seed: int.nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  max_tokens: int.nullish(),
  logprobs: int.nullish(),
  ignore_eos: z.boolean().nullish(),
  logit_bias: z.record(z.string(), z.number()).nullish(),
});
export type VllmGenerateBody = z.infer<typeof vllmGenerateSchema>;

/** Keys the request itself uses; everything else is a `SamplingParams` argument. */
const REQUEST_KEYS = ['prompt', 'stream', 'model'] as const;

/** `SamplingParams` arguments Switchyard honours (ignore_eos by passing it to the engine). */
const HONOURED = [
  'n',
  'temperature',
  'top_p',
  'top_k',
  'min_p',
  'presence_penalty',
  'frequency_penalty',
  'repetition_penalty',
  'seed',
  'stop',
  'max_tokens',
  'logprobs',
  'ignore_eos',
  'logit_bias',
] as const;

export const KNOWN_KEYS: ReadonlySet<string> = new Set([...REQUEST_KEYS, ...HONOURED]);

/**
 * `SamplingParams` arguments with no canonical meaning. Their default value (or null) is
 * accepted, since it asks for nothing; any other value is refused by name.
 */
export const DEFAULT_ONLY: Readonly<Record<string, unknown>> = {
  best_of: 1,
  min_tokens: 0,
  detokenize: true,
  skip_special_tokens: true,
  spaces_between_special_tokens: true,
  include_stop_str_in_output: false,
  prompt_logprobs: null,
  stop_token_ids: null,
  bad_words: null,
  allowed_token_ids: null,
  truncate_prompt_tokens: null,
  guided_decoding: null,
  structured_outputs: null,
  logits_processors: null,
  output_kind: null,
  extra_args: null,
};
