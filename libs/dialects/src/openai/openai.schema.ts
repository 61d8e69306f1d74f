import { z } from 'zod';

/**
 * OpenAI request bodies, as the spec defines them (reference: openai-openapi
 * `CreateChatCompletionRequest`, `CreateCompletionRequest`). Unknown top-level fields are
 * accepted and ignored, as vLLM and llama.cpp do, so newer client SDKs keep working.
 */

/** A union's own message, unless the field is missing altogether. */
const unionError =
  (message: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : message;

const EMPTY_PARTS = 'must hold at least one content part';
const textPart = z.object({ type: z.literal('text'), text: z.string() });
/** A refusal an earlier assistant turn gave; sent back as that turn's text. */
const refusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });
const imagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z
      .string()
      .regex(
        /^(https?:\/\/|data:image\/[a-z0-9.+-]+;base64,)/i,
        'must be an http(s) URL or a data:image/... base64 URI',
      ),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});
const userContent = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textPart, imagePart])).min(1, EMPTY_PARTS)],
  { error: unionError("must be a string or a non-empty array of 'text' and 'image_url' parts") },
);
const textContent = z.union([z.string(), z.array(textPart).min(1, EMPTY_PARTS)], {
  error: unionError("must be a string or a non-empty array of 'text' parts"),
});
const assistantContent = z.union(
  [z.string(), z.array(z.discriminatedUnion('type', [textPart, refusalPart])).min(1, EMPTY_PARTS)],
  { error: unionError("must be a string or a non-empty array of 'text' and 'refusal' parts") },
);

const toolCall = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.object({
    role: z.enum(['system', 'developer']),
    content: textContent,
    name: z.string().optional(),
  }),
  z.object({ role: z.literal('user'), content: userContent, name: z.string().optional() }),
  z.object({
    role: z.literal('assistant'),
    content: assistantContent.nullish(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).optional(),
    reasoning_content: z.string().optional(),
  }),
  z.object({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
]);

/** Token ids are valid OpenAI input; they parse so the parser can refuse them by name. */
const tokenIds = z.array(z.number().int().min(0)).min(1);

const stop = z.union([z.string(), z.array(z.string()).max(4)]).nullish();
const unitInterval = z.number().min(0).max(1);

/** Fields shared by chat and completions. */
const common = {
  model: z.string().min(1, 'must name a model'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  n: z.number().int().min(1).max(128).nullish(),
  stop,
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: unitInterval.nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullish(),
  seed: z.number().int().nullish(),
  user: z.string().nullish(),
  // `user`'s successors: a cache key (what session affinity is for) and an end-user id.
  prompt_cache_key: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  // Engine extensions that vLLM, llama.cpp and SGLang accept in the same body.
  top_k: z.number().int().nullish(),
  min_p: unitInterval.nullish(),
  typical_p: unitInterval.nullish(),
  repetition_penalty: z.number().positive().nullish(),
  ignore_eos: z.boolean().nullish(),
};

export const chatRequestSchema = z.looseObject({
  ...common,
  messages: z.array(message).min(1, 'must contain at least one message'),
  max_completion_tokens: z.number().int().min(1).nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20).nullish(),
  response_format: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('text') }),
      z.object({ type: z.literal('json_object') }),
      z.object({
        type: z.literal('json_schema'),
        json_schema: z.object({
          name: z.string(),
          description: z.string().optional(),
          schema: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullish(),
        }),
      }),
    ])
    .nullish(),
  tools: z
    .array(
      z.object({
        type: z.literal('function'),
        function: z.object({
          name: z
            .string()
            .regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
          description: z.string().optional(),
          parameters: z.record(z.string(), z.unknown()).optional(),
          strict: z.boolean().nullish(),
        }),
      }),
    )
    .nullish(),
  tool_choice: z
    .union([
      z.enum(['none', 'auto', 'required']),
      z.object({ type: z.literal('function'), function: z.object({ name: z.string() }) }),
    ])
    .nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  // Typed only so the parser can refuse them by name (see openai-parse.ts).
  functions: z.array(z.unknown()).nullish(),
  function_call: z.unknown().optional(),
  audio: z.unknown().optional(),
  modalities: z.array(z.string()).nullish(),
});
export type OpenAIChatBody = z.infer<typeof chatRequestSchema>;

export const completionRequestSchema = z.looseObject({
  ...common,
  prompt: z.union(
    [
      z.string(),
      z
        .array(z.string())
        .length(1, 'a batch of prompts is not supported; send one request per prompt'),
      tokenIds,
      z.array(tokenIds).min(1),
    ],
    { error: unionError('must be a string') },
  ),
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  best_of: z.number().int().min(1).max(1, 'best_of > 1 is not supported').nullish(),
});
export type OpenAICompletionBody = z.infer<typeof completionRequestSchema>;

/** Empty strings are refused, as OpenAI does (`CreateEmbeddingRequest.input`). */
const embeddingText = z.string().min(1, 'must not be an empty string');

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1, 'must name a model'),
  // How many inputs one request may hold is the gateway's setting (limits.ts; 2048 by default).
  input: z.union(
    [embeddingText, z.array(embeddingText).min(1), tokenIds, z.array(tokenIds).min(1)],
    { error: unionError('must be a string or a non-empty array of strings') },
  ),
  encoding_format: z.enum(['float', 'base64']).nullish(),
  dimensions: z.number().int().min(1).nullish(),
  user: z.string().nullish(),
});
export type OpenAIEmbeddingBody = z.infer<typeof embeddingRequestSchema>;
