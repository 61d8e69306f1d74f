import {
  SwitchyardError,
  type ChatMessage,
  type Modality,
  type ToolDefinition,
} from '@switchyard/contracts';
import { opt } from './opt';

/**
 * Small pieces every dialect's parser needs to build the canonical request the same way.
 */

/** A request needs an image-capable model when any message carries an image part. */
export function modalitiesOf(messages: readonly ChatMessage[]): Modality[] {
  const image = messages.some(
    (m) => Array.isArray(m.content) && m.content.some((p) => p.type === 'image'),
  );
  return image ? ['text', 'image'] : ['text'];
}

/** Function tools in the OpenAI shape (OpenAI and Ollama both use it). */
export function functionTools(
  tools:
    | readonly {
        function: {
          name: string;
          description?: string | undefined;
          parameters?: Record<string, unknown> | undefined;
        };
      }[]
    | null
    | undefined,
): ToolDefinition[] | undefined {
  return tools?.map((t) => ({
    name: t.function.name,
    ...opt('description', t.function.description),
    ...opt('parameters', t.function.parameters),
  }));
}

/** `stop` given as one string or a list. */
export function stopList(stop: string | readonly string[] | null | undefined): string[] {
  if (stop == null) return [];
  return typeof stop === 'string' ? [stop] : [...stop];
}

/** A 400 naming the field the client wrote. */
export function refuse(param: string, message: string): never {
  throw new SwitchyardError('SY_BAD_REQUEST', message, { param });
}
