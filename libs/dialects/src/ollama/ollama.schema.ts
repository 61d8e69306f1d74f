import { z } from 'zod';

/**
 * Ollama native request bodies (reference: ollama/ollama docs/api.md, api/types.go
 * `GenerateRequest`, `ChatRequest`, `Message`, `ToolCall`, `Options`, `ThinkValue`).
 * Unknown top-level fields and unknown options are accepted, as Ollama only warns about them.
 */

const image = z
  .string()
  .regex(
    /^(data:image\/[a-z0-9.+-]+;base64,)?[A-Za-z0-9+/=\s]+$/i,
    'must be base64-encoded image data',
  );

const toolCall = z.object({
  id: z.string().optional(),
  function: z.object({
    index: z.number().int().optional(),
    name: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
});

const message = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().default(''),
  thinking: z.string().optional(),
  images: z.array(image).nullish(),
  tool_calls: z.array(toolCall).nullish(),
  tool_name: z.string().optional(),
  tool_call_id: z.string().optional(),
});

const tool = z.object({
  type: z.literal('function').default('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
  }),
});

/**
 * Runtime (sampling) options map to canonical sampling; load-time options (`num_ctx`,
 * `num_batch`, `num_gpu`, `main_gpu`, `use_mmap`, `num_thread`, …) and `num_keep`,
 * `repeat_last_n` are accepted and ignored: the node's engine was started with its own.
 */
const options = z.looseObject({
  num_predict: z.number().int().optional(),
  temperature: z.number().min(0).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().optional(),
  min_p: z.number().min(0).max(1).optional(),
  typical_p: z.number().min(0).max(1).optional(),
  repeat_penalty: z.number().optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  seed: z.number().int().optional(),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
});

const model = z.string().min(1, 'model is required');
// Number of seconds or a Go duration string; only `0` means anything here (unload).
const keepAlive = z.union([z.number(), z.string()]).nullish();

/** Fields shared by `/api/chat` and `/api/generate`. */
const common = {
  model,
  stream: z.boolean().nullish(),
  format: z.union([z.literal(''), z.literal('json'), z.record(z.string(), z.unknown())]).nullish(),
  options: options.nullish(),
  think: z.union([z.boolean(), z.enum(['low', 'medium', 'high', 'max'])]).nullish(),
  keep_alive: keepAlive,
  truncate: z.boolean().nullish(),
  shift: z.boolean().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(20, 'top_logprobs must be between 0 and 20').nullish(),
};

export const ollamaChatSchema = z.looseObject({
  ...common,
  messages: z.array(message).nullish(),
  tools: z.array(tool).nullish(),
});
export type OllamaChatBody = z.infer<typeof ollamaChatSchema>;
export type OllamaMessage = z.infer<typeof message>;

export const ollamaGenerateSchema = z.looseObject({
  ...common,
  prompt: z.string().nullish(),
  suffix: z.string().nullish(),
  system: z.string().nullish(),
  template: z.string().nullish(),
  context: z.array(z.number().int()).nullish(),
  raw: z.boolean().nullish(),
  images: z.array(image).nullish(),
});
export type OllamaGenerateBody = z.infer<typeof ollamaGenerateSchema>;
export type OllamaCommonBody = OllamaChatBody | OllamaGenerateBody;

/**
 * `POST /api/embed` (api/types.go `EmbedRequest`). `truncate` (default true), `options` and
 * `keep_alive` are accepted and left to the engine, which was started with its own context
 * size and keeps its model loaded.
 */
export const ollamaEmbedSchema = z.looseObject({
  model,
  input: z.union([z.string(), z.array(z.string())], { error: 'invalid input type' }).nullish(),
  truncate: z.boolean().nullish(),
  dimensions: z.number().int().nullish(),
  options: options.nullish(),
  keep_alive: keepAlive,
});

/** The legacy `POST /api/embeddings` (api/types.go `EmbeddingRequest`): one `prompt`. */
export const ollamaEmbeddingsSchema = z.looseObject({
  model,
  prompt: z.string().nullish(),
  options: options.nullish(),
  keep_alive: keepAlive,
});

/** `POST /api/show` (api/types.go `ShowRequest`); `name` is the deprecated spelling of `model`. */
export const ollamaShowSchema = z.looseObject({
  model: z.string().nullish(),
  name: z.string().nullish(),
  verbose: z.boolean().nullish(),
});
