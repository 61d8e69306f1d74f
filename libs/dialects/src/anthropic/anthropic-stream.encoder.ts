import type {
  DeltaEvent,
  DoneEvent,
  StreamEvent,
  SwitchyardError,
  ToolCallDelta,
  UsageEvent,
} from '@switchyard/contracts';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { anthropicErrorPayload } from './anthropic.errors';
import { messageId, sseEvent, stopReason, toolUseId, usageBody } from './anthropic-wire';

type OpenBlock = { kind: 'thinking' } | { kind: 'text' } | { kind: 'tool'; call: number };

/**
 * The Messages stream (protocols §4.3): `message_start`, `ping`, then one
 * `content_block_start` / `_delta`… / `_stop` run per block as the output moves from
 * thinking to text to each tool call, `message_delta`, and `message_stop` as the end.
 *
 * Token counts arrive only at the end of an engine stream, so `message_start` says 0 input
 * and 0 output tokens and `message_delta` carries the totals, input included; the SDK
 * overwrites its snapshot from `message_delta`. A tool call's block opens on its first
 * fragment, which must carry the name (engine parsers emit id and name together).
 */
export function createMessagesStreamEncoder(meta: ResponseMeta): StreamEncoder {
  let started = false;
  let open: OpenBlock | null = null;
  let nextIndex = 0;
  let usage: UsageEvent | null = null;

  const begin = (): string => {
    if (started) return '';
    started = true;
    const message = {
      id: messageId(meta),
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return (
      sseEvent('message_start', { type: 'message_start', message }) +
      sseEvent('ping', { type: 'ping' })
    );
  };

  const close = (): string => {
    if (!open) return '';
    open = null;
    return sseEvent('content_block_stop', { type: 'content_block_stop', index: nextIndex - 1 });
  };

  const openBlock = (block: OpenBlock, contentBlock: object): string => {
    const out = close();
    open = block;
    const index = nextIndex++;
    return (
      out +
      sseEvent('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: contentBlock,
      })
    );
  };

  const delta = (delta: object): string =>
    sseEvent('content_block_delta', { type: 'content_block_delta', index: nextIndex - 1, delta });

  const thinking = (text: string): string =>
    (open?.kind === 'thinking'
      ? ''
      : openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' })) +
    delta({ type: 'thinking_delta', thinking: text });

  const text = (t: string): string =>
    (open?.kind === 'text' ? '' : openBlock({ kind: 'text' }, { type: 'text', text: '' })) +
    delta({ type: 'text_delta', text: t });

  const toolCall = (d: ToolCallDelta): string => {
    let out = '';
    if (open?.kind !== 'tool' || open.call !== d.index) {
      out += openBlock(
        { kind: 'tool', call: d.index },
        {
          type: 'tool_use',
          id: toolUseId(d.id ?? '', meta, d.index),
          name: d.name ?? '',
          input: {},
        },
      );
    }
    if (d.arguments) out += delta({ type: 'input_json_delta', partial_json: d.arguments });
    return out;
  };

  const onDelta = (e: DeltaEvent): string =>
    (e.reasoning ? thinking(e.reasoning) : '') +
    (e.text ? text(e.text) : '') +
    (e.toolCalls ?? []).map(toolCall).join('');

  const onDone = (e: DoneEvent): string => {
    const choice = e.choices[0];
    return (
      close() +
      sseEvent('message_delta', {
        type: 'message_delta',
        delta: stopReason(choice?.finishReason ?? null, choice?.stopSequence),
        usage: usageBody(usage),
      })
    );
  };

  const handlers = {
    start: () => '',
    embedding: () => '',
    delta: onDelta,
    usage: (e: UsageEvent) => {
      usage = e;
      return '';
    },
    done: onDone,
    // Terminal errors reach the client through `error()`, which the gateway calls instead.
    error: () => '',
  } satisfies { [K in StreamEvent['type']]: (e: Extract<StreamEvent, { type: K }>) => string };

  const event = (e: StreamEvent): string => {
    const head = begin();
    return head + (handlers[e.type] as (e: StreamEvent) => string)(e);
  };

  return {
    event,
    error: (err: SwitchyardError) => sseEvent('error', anthropicErrorPayload(err)),
    end: () => sseEvent('message_stop', { type: 'message_stop' }),
  };
}
