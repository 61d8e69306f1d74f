import type { FinishReason, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ResponseMeta } from '../dialect';

/** Shared pieces of Anthropic's `Message` object (@anthropic-ai/sdk `Message`, `Usage`). */

export type AnthropicStopReason =
  'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

/**
 * Canonical finish reason → `stop_reason` (protocols §8.3). A canonical `stop` becomes
 * `stop_sequence` only when the engine said which sequence matched (llama.cpp does, TGI
 * does not), so `stop_sequence` is never null beside it.
 */
const STOP_REASONS = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
} as const satisfies Record<FinishReason, AnthropicStopReason>;

export function stopReason(
  finish: FinishReason | null,
  stopSequence: string | undefined,
): { stop_reason: AnthropicStopReason; stop_sequence: string | null } {
  if (finish === 'stop' && stopSequence !== undefined) {
    return { stop_reason: 'stop_sequence', stop_sequence: stopSequence };
  }
  return { stop_reason: STOP_REASONS[finish ?? 'stop'], stop_sequence: null };
}

export function usageBody(u: UsageEvent | null) {
  return {
    input_tokens: u?.promptTokens ?? 0,
    output_tokens: u?.completionTokens ?? 0,
    ...(u?.cachedTokens !== undefined ? { cache_read_input_tokens: u.cachedTokens } : {}),
  };
}

export const messageId = (meta: ResponseMeta): string => `msg_${meta.requestId}`;

/** Engines may not name their tool calls; Anthropic clients need an id to answer with. */
export const toolUseId = (id: string, meta: ResponseMeta, index: number): string =>
  id === '' ? `toolu_${meta.requestId}_${index}` : id;

/**
 * Tool input travels canonically as JSON text. Text that is not a JSON object (an engine
 * that produced broken arguments) becomes `{}` rather than a body the SDK cannot type.
 */
export function toolInput(args: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(args);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** `event: <name>\ndata: <json>\n\n` — Anthropic names every SSE event. */
export const sseEvent = (name: string, payload: unknown): string =>
  `event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`;

/**
 * The whole non-streamed `Message`: a thinking block when the engine reasoned, the text,
 * then one `tool_use` block per call. Thinking blocks carry an empty `signature`: there is
 * nothing to sign here, and the gateway ignores signatures sent back.
 */
export function messageResponse(result: CollectedResult, meta: ResponseMeta) {
  const c = result.choices[0];
  const content = [
    ...(c?.reasoning ? [{ type: 'thinking', thinking: c.reasoning, signature: '' }] : []),
    ...(c?.text ? [{ type: 'text', text: c.text }] : []),
    ...(c?.toolCalls ?? []).map((t, i) => ({
      type: 'tool_use',
      id: toolUseId(t.id, meta, i),
      name: t.name,
      input: toolInput(t.arguments),
    })),
  ];
  return {
    id: messageId(meta),
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content,
    ...stopReason(c?.finishReason ?? null, c?.stopSequence),
    usage: usageBody(result.usage),
  };
}
