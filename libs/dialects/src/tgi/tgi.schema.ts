import { z } from 'zod';

/**
 * TGI's native request bodies, typed as its router deserializes them (huggingface/
 * text-generation-inference router/src/lib.rs `GenerateRequest`, `CompatGenerateRequest`,
 * `GenerateParameters`, `GrammarType`). Value ranges are checked afterwards, in TGI's order and
 * words (tgi-validation.ts). Unknown keys are ignored, as serde ignores them there; `null`
 * means "not set" as for TGI's `Option` fields.
 */

const u32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1);
const u64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const i32 = z
  .number()
  .int()
  .min(-(2 ** 31))
  .max(2 ** 31 - 1);
const schemaObject = z.record(z.string(), z.unknown());

/**
 * `json` takes a JSON Schema (an object, or a string holding one; `json_object` is its alias in
 * TGI ≥ 2.x), `json_schema` a `{name?, schema}` config (TGI 3.x), `regex` a pattern.
 */
const grammar = z.discriminatedUnion('type', [
  z.object({ type: z.literal('json'), value: z.union([schemaObject, z.string()]) }),
  z.object({ type: z.literal('json_object'), value: z.union([schemaObject, z.string()]) }),
  z.object({
    type: z.literal('json_schema'),
    value: z.object({ name: z.string().nullish(), schema: schemaObject }),
  }),
  z.object({ type: z.literal('regex'), value: z.string() }),
]);
export type TgiGrammar = z.infer<typeof grammar>;

export const tgiParametersSchema = z.looseObject({
  best_of: u64.nullish(),
  decoder_input_details: z.boolean().nullish(),
  details: z.boolean().nullish(),
  do_sample: z.boolean().nullish(),
  frequency_penalty: z.number().nullish(),
  grammar: grammar.nullish(),
  max_new_tokens: u32.nullish(),
  repetition_penalty: z.number().nullish(),
  return_full_text: z.boolean().nullish(),
  seed: u64.nullish(),
  stop: z.array(z.string()).nullish(),
  temperature: z.number().nullish(),
  top_k: i32.nullish(),
  top_n_tokens: u32.nullish(),
  top_p: z.number().nullish(),
  truncate: u64.nullish(),
  typical_p: z.number().nullish(),
  watermark: z.boolean().nullish(),
  adapter_id: z.string().nullish(),
});
export type TgiParameters = z.infer<typeof tgiParametersSchema>;

export const tgiGenerateSchema = z.looseObject({
  inputs: z.string(),
  parameters: tgiParametersSchema.nullish(),
  /** Read by `POST /` (TGI) and by `POST /generate` (MindIE's TGI route, seed 003). */
  stream: z.boolean().nullish(),
  /** Switchyard extension: which model; TGI serves exactly one and has no such field. */
  model: z.string().nullish(),
});
export type TgiGenerateBody = z.infer<typeof tgiGenerateSchema>;
