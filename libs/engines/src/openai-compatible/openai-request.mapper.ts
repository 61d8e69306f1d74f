import type {
  ChatMessage,
  ContentPart,
  ResponseFormat,
  SamplingParams,
  ToolChoice,
  ToolDefinition,
} from '@switchyard/contracts';

/**
 * The request half of the OpenAI wire protocol, for engines that accept OpenAI-compatible
 * bodies: wire types and the canonical → OpenAI conversions of each part. `openai-body.builder`
 * assembles them into a whole body; Ollama's mapper reuses the tool and sampling pieces.
 */

export type OpenAiContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } };

export interface OpenAiToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface OpenAiMessage {
  role: ChatMessage['role'];
  content: string | OpenAiContentPart[] | null;
  name?: string;
  tool_calls?: OpenAiToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
}

export interface OpenAiTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type OpenAiToolChoice =
  'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type OpenAiResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** Sampling fields that map one-to-one onto a single engine field. */
export type ScalarSamplingField = Exclude<
  keyof SamplingParams,
  'stop' | 'n' | 'logprobs' | 'responseFormat'
>;

/**
 * An engine's name for each scalar sampling field; a new canonical field must get a row.
 * `null` marks a field the engine does not have, so it is deliberately not sent.
 */
export type SamplingFieldMap = Readonly<Record<ScalarSamplingField, string | null>>;

/** The sampling fields that are set, under the engine's names. */
export function mapSampling(
  sampling: SamplingParams,
  fields: SamplingFieldMap,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [field, engineName] of Object.entries(fields) as [
    ScalarSamplingField,
    string | null,
  ][]) {
    const value = sampling[field];
    if (value !== undefined && engineName !== null) body[engineName] = value;
  }
  return body;
}

export function toOpenAiMessages(messages: readonly ChatMessage[]): OpenAiMessage[] {
  return messages.map((m) => {
    const out: OpenAiMessage = { role: m.role, content: toOpenAiContent(m.content) };
    if (m.name !== undefined) out.name = m.name;
    if (m.toolCalls !== undefined && m.toolCalls.length > 0) {
      out.tool_calls = m.toolCalls.map((c) => ({
        id: c.id,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
    }
    if (m.toolCallId !== undefined) out.tool_call_id = m.toolCallId;
    if (m.reasoning !== undefined) out.reasoning_content = m.reasoning;
    return out;
  });
}

function toOpenAiContent(content: ChatMessage['content']): OpenAiMessage['content'] {
  if (content === null || typeof content === 'string') return content;
  return content.map(toOpenAiPart);
}

function toOpenAiPart(part: ContentPart): OpenAiContentPart {
  if (part.type === 'text') return { type: 'text', text: part.text };
  const imageUrl: { url: string; detail?: 'auto' | 'low' | 'high' } = { url: part.url };
  if (part.detail !== undefined) imageUrl.detail = part.detail;
  return { type: 'image_url', image_url: imageUrl };
}

export function toOpenAiTools(tools: readonly ToolDefinition[]): OpenAiTool[] {
  return tools.map((t) => {
    const fn: OpenAiTool['function'] = { name: t.name };
    if (t.description !== undefined) fn.description = t.description;
    if (t.parameters !== undefined) fn.parameters = t.parameters;
    return { type: 'function', function: fn };
  });
}

export function toOpenAiToolChoice(choice: ToolChoice): OpenAiToolChoice {
  return typeof choice === 'string'
    ? choice
    : { type: 'function', function: { name: choice.name } };
}

export function toOpenAiResponseFormat(format: ResponseFormat): OpenAiResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const jsonSchema: { name: string; schema?: Record<string, unknown>; strict?: boolean } = {
    // OpenAI requires a name; clients of other dialects may not have given one.
    name: format.name ?? 'response',
  };
  if (format.schema !== undefined) jsonSchema.schema = format.schema;
  if (format.strict !== undefined) jsonSchema.strict = format.strict;
  return { type: 'json_schema', json_schema: jsonSchema };
}
