import type { ChatMessage } from './chat-template';
import { isRecord } from './request-fields';
import { SimError } from './sim-errors';

/** Content part types a text-only model accepts and ignores (it has no media encoder). */
const IGNORED_PARTS: ReadonlySet<unknown> = new Set(['image_url', 'input_audio', 'input_video']);

const invalid = (message: string): SimError => new SimError('invalid_request', message);

/**
 * OpenAI `messages` as role and plain text, validated with llama.cpp's checks and wording
 * (`oaicompat_chat_params_parse`, `common_chat_msgs_parse_oaicompat`). Content may be a
 * string, null, or an array of parts whose `text` parts are concatenated.
 */
export function parseChatMessages(value: unknown): ChatMessage[] {
  if (value === undefined) throw invalid("'messages' is required");
  if (!Array.isArray(value)) throw invalid("Expected 'messages' to be an array");
  return value.map((message: unknown) => {
    if (!isRecord(message)) {
      throw invalid(`Expected 'message' to be an object, got ${JSON.stringify(message)}`);
    }
    const { role, content } = message;
    if (typeof role !== 'string') {
      throw invalid(`Missing 'role' in message: ${JSON.stringify(message)}`);
    }
    if (!('content' in message)) {
      if (role !== 'assistant') throw invalid("All non-assistant messages must contain 'content'");
      if (!('tool_calls' in message)) {
        throw invalid("Assistant message must contain either 'content' or 'tool_calls'!");
      }
    }
    return { role, content: contentText(content) };
  });
}

function contentText(content: unknown): string {
  if (content === undefined || content === null) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw invalid(
      `Invalid 'content' type: expected string or array, got ${JSON.stringify(content)}`,
    );
  }
  return content
    .map((part: unknown) => {
      if (!isRecord(part)) throw invalid(`Invalid content part: ${JSON.stringify(part)}`);
      if (part.type === 'text' && typeof part.text === 'string') return part.text;
      if (IGNORED_PARTS.has(part.type)) return '';
      throw invalid(`Unsupported content part type: ${JSON.stringify(part.type)}`);
    })
    .join('');
}
