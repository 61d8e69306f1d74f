import type {
  ChatMessage,
  ChatRequest,
  ContentPart,
  ToolCall,
  ToolChoice,
} from '@switchyard/contracts';
import type { ParseContext } from '../dialect';
import { modalitiesOf } from '../canonical';
import { opt } from '../opt';
import { validateBody } from '../validate';
import {
  messagesRequestSchema,
  type AnthropicContentBlock,
  type AnthropicMessage,
  type AnthropicMessagesBody,
  type AnthropicToolChoice,
} from './anthropic.schema';

/**
 * `POST /v1/messages` → canonical chat request. The `x-api-key` and `anthropic-version`
 * headers are accepted and not checked: authentication is not this layer's concern, and
 * every version the SDKs send shares the request shape read here.
 */
export function parseMessages(body: unknown, ctx: ParseContext): ChatRequest {
  const b = validateBody(messagesRequestSchema, body);
  const messages = [...systemMessages(b.system), ...b.messages.flatMap(toChatMessages)];
  const extra = extraFields(b);
  return {
    id: ctx.requestId,
    kind: 'chat',
    model: b.model,
    // Anthropic streams always carry usage (message_start / message_delta).
    stream: b.stream === true,
    includeUsage: b.stream === true,
    priority: 0,
    ...opt('sessionKey', b.metadata?.user_id),
    modalities: modalitiesOf(messages),
    messages,
    sampling: {
      stop: b.stop_sequences ?? [],
      n: 1,
      maxTokens: b.max_tokens,
      ...opt('temperature', b.temperature),
      ...opt('topP', b.top_p),
      ...opt('topK', b.top_k),
    },
    ...opt(
      'tools',
      b.tools?.map((t) => ({
        name: t.name,
        ...opt('description', t.description),
        parameters: t.input_schema,
      })),
    ),
    ...opt('toolChoice', b.tool_choice ? toToolChoice(b.tool_choice) : undefined),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

const TOOL_CHOICES = {
  auto: 'auto',
  any: 'required',
  none: 'none',
} as const satisfies Record<Exclude<AnthropicToolChoice['type'], 'tool'>, ToolChoice>;

function toToolChoice(c: AnthropicToolChoice): ToolChoice {
  return c.type === 'tool' ? { name: c.name } : TOOL_CHOICES[c.type];
}

/**
 * Knobs with no canonical field, in the form vLLM, MindIE and llama.cpp read them
 * (`chat_template_kwargs.enable_thinking`, `parallel_tool_calls`). `budget_tokens` has no
 * engine-side equivalent; `max_tokens` still bounds thinking plus answer.
 */
function extraFields(b: AnthropicMessagesBody): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (b.thinking?.type === 'enabled') extra.chat_template_kwargs = { enable_thinking: true };
  if (b.thinking?.type === 'disabled') extra.chat_template_kwargs = { enable_thinking: false };
  if (b.tool_choice?.type !== 'none' && b.tool_choice?.disable_parallel_tool_use === true) {
    extra.parallel_tool_calls = false;
  }
  return extra;
}

function systemMessages(system: AnthropicMessagesBody['system']): ChatMessage[] {
  if (system === undefined) return [];
  const text = typeof system === 'string' ? system : system.map((b) => b.text).join('');
  return text === '' ? [] : [{ role: 'system', content: text }];
}

/**
 * One Anthropic turn can become several canonical messages: a user turn's `tool_result`
 * blocks are canonical tool messages, and they come first, as Anthropic requires them to.
 * A lone text block (or the string shorthand) stays a plain string.
 */
function toChatMessages(m: AnthropicMessage): ChatMessage[] {
  return m.role === 'assistant' ? [assistantMessage(m.content)] : userMessages(m.content);
}

function assistantMessage(blocks: readonly AnthropicContentBlock[]): ChatMessage {
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCall[] = [];
  for (const b of blocks) {
    if (b.type === 'text') text += b.text;
    else if (b.type === 'thinking') reasoning += b.thinking;
    else if (b.type === 'tool_use') {
      toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input) });
    }
    // redacted_thinking is opaque to every engine; images and tool results are user-side.
  }
  return {
    role: 'assistant',
    content: text === '' && toolCalls.length > 0 ? null : text,
    ...(reasoning !== '' ? { reasoning } : {}),
    ...(toolCalls.length > 0 ? { toolCalls } : {}),
  };
}

function userMessages(blocks: readonly AnthropicContentBlock[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  const parts: ContentPart[] = [];
  for (const b of blocks) {
    if (b.type === 'tool_result') {
      // `is_error` has no canonical field; the result text is what the model reads.
      out.push({ role: 'tool', toolCallId: b.tool_use_id, content: toolResultContent(b.content) });
    } else {
      const part = contentPart(b);
      if (part) parts.push(part);
    }
  }
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only?.type === 'text') out.push({ role: 'user', content: only.text });
  else if (parts.length > 0) out.push({ role: 'user', content: parts });
  return out;
}

function toolResultContent(
  content: Extract<AnthropicContentBlock, { type: 'tool_result' }>['content'],
): string | ContentPart[] {
  if (content === undefined) return '';
  if (typeof content === 'string') return content;
  const parts = content.flatMap((b) => contentPart(b) ?? []);
  return parts.every((p) => p.type === 'text') ? parts.map((p) => p.text).join('') : parts;
}

function contentPart(b: AnthropicContentBlock): ContentPart | undefined {
  if (b.type === 'text') return { type: 'text', text: b.text };
  if (b.type !== 'image') return undefined;
  const url =
    b.source.type === 'base64'
      ? `data:${b.source.media_type};base64,${b.source.data}`
      : b.source.url;
  return { type: 'image', url };
}
