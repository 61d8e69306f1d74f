import { z } from 'zod';

/**
 * The Anthropic Messages request body (reference: @anthropic-ai/sdk `MessageCreateParamsBase`,
 * protocols §4.1). Unknown top-level fields (`service_tier`, `container`, …) are accepted and
 * ignored so newer SDKs keep working; unknown content block types are refused by name.
 */

const textBlock = z.looseObject({ type: z.literal('text'), text: z.string() });

const imageBlock = z.looseObject({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('base64'),
      media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']),
      data: z.string().min(1),
    }),
    z.object({
      type: z.literal('url'),
      url: z.string().regex(/^https?:\/\//i, 'must be an http(s) URL'),
    }),
  ]),
});

const toolUseBlock = z.looseObject({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
});

const toolResultBlock = z.looseObject({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z
    .union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))])
    .optional(),
  is_error: z.boolean().optional(),
});

const thinkingBlock = z.looseObject({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().optional(),
});
const redactedThinkingBlock = z.looseObject({
  type: z.literal('redacted_thinking'),
  data: z.string(),
});

const contentBlock = z.discriminatedUnion('type', [
  textBlock,
  imageBlock,
  toolUseBlock,
  toolResultBlock,
  thinkingBlock,
  redactedThinkingBlock,
]);
export type AnthropicContentBlock = z.infer<typeof contentBlock>;

/**
 * A string is shorthand for one text block. Normalising before validation, rather than a
 * union, lets a bad block be reported by its own path (`messages[0].content[1].type`).
 */
const message = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.preprocess(
    (v) => (typeof v === 'string' ? [{ type: 'text', text: v }] : v),
    z.array(contentBlock),
  ),
});
export type AnthropicMessage = z.infer<typeof message>;

const tool = z.looseObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,128}$/, 'must be 1-128 letters, digits, "_" or "-"'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
});

const toolChoice = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({
    type: z.literal('tool'),
    name: z.string().min(1),
    disable_parallel_tool_use: z.boolean().optional(),
  }),
  z.object({ type: z.literal('none') }),
]);
export type AnthropicToolChoice = z.infer<typeof toolChoice>;

const thinking = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1) }),
  z.object({ type: z.literal('disabled') }),
  z.object({ type: z.literal('adaptive') }),
]);

const unitInterval = z.number().min(0).max(1);

export const messagesRequestSchema = z.looseObject({
  model: z.string().min(1, 'must name a model'),
  max_tokens: z
    .number()
    .int()
    .min(
      1,
      'must be at least 1 (Anthropic reserves 0 for warming its prompt cache, which this gateway does not have)',
    ),
  messages: z.array(message).min(1, 'must contain at least one message'),
  system: z.union([z.string(), z.array(textBlock)]).optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: unitInterval.optional(),
  top_k: z.number().int().min(1).optional(),
  top_p: unitInterval.optional(),
  tools: z.array(tool).optional(),
  tool_choice: toolChoice.optional(),
  thinking: thinking.optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
});
export type AnthropicMessagesBody = z.infer<typeof messagesRequestSchema>;
