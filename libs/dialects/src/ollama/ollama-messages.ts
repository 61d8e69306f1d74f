import type { ChatMessage, ContentPart, ToolCall } from '@switchyard/contracts';
import { opt } from '../opt';
import type { OllamaMessage } from './ollama.schema';

/**
 * Ollama chat messages → canonical messages. Images arrive as bare base64 and become
 * `data:` URIs; tool-call arguments arrive as objects and become JSON text; tool results
 * name their call by `tool_call_id` or only by `tool_name`, so ids are filled in where the
 * client left them out (OpenAI-style engines need every result linked to its call).
 */
export function toChatMessages(messages: readonly OllamaMessage[]): ChatMessage[] {
  const unanswered: ToolCall[] = [];
  return messages.map((m, i): ChatMessage => {
    const content = withImages(m.content, m.images ?? []);
    switch (m.role) {
      case 'system':
      case 'user':
        return { role: m.role, content };
      case 'assistant': {
        const calls = (m.tool_calls ?? []).map((c, j): ToolCall => ({
          id: c.id ?? `call_${i}_${j}`,
          name: c.function.name,
          arguments: JSON.stringify(c.function.arguments),
        }));
        unanswered.splice(0, unanswered.length, ...calls);
        return {
          role: 'assistant',
          content: content === '' && calls.length > 0 ? null : content,
          ...opt('reasoning', m.thinking),
          ...(calls.length > 0 ? { toolCalls: calls } : {}),
        };
      }
      case 'tool': {
        const answered = takeCall(unanswered, m.tool_call_id, m.tool_name);
        return {
          role: 'tool',
          content,
          ...opt('name', m.tool_name ?? answered?.name),
          ...opt('toolCallId', m.tool_call_id ?? answered?.id),
        };
      }
    }
  });
}

function takeCall(pending: ToolCall[], id?: string, name?: string): ToolCall | undefined {
  const at = pending.findIndex((c) =>
    id !== undefined ? c.id === id : name === undefined || c.name === name,
  );
  return at < 0 ? undefined : pending.splice(at, 1)[0];
}

/** Text plus images as canonical content: a plain string when there are no images. */
export function withImages(text: string, images: readonly string[]): string | ContentPart[] {
  if (images.length === 0) return text;
  const parts: ContentPart[] = images.map((b64) => ({ type: 'image', url: toDataUri(b64) }));
  return text === '' ? parts : [{ type: 'text', text }, ...parts];
}

/** Magic bytes of the formats vision engines accept; Ollama itself sniffs the same way. */
const MAGIC: readonly { mime: string; matches: (b: Buffer) => boolean }[] = [
  {
    mime: 'image/png',
    matches: (b) => b.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47])),
  },
  { mime: 'image/jpeg', matches: (b) => b.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])) },
  { mime: 'image/gif', matches: (b) => b.subarray(0, 4).toString('latin1') === 'GIF8' },
  {
    mime: 'image/webp',
    matches: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' &&
      b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
];

export function toDataUri(image: string): string {
  if (image.startsWith('data:')) return image;
  const b64 = image.replace(/\s+/g, '');
  const head = Buffer.from(b64.slice(0, 24), 'base64');
  const mime = MAGIC.find((m) => m.matches(head))?.mime ?? 'image/png';
  return `data:${mime};base64,${b64}`;
}
