import {
  isTerminal,
  type ChatRequest,
  type DeltaEvent,
  type DoneEvent,
  type StreamEvent,
  type TerminalEvent,
  type ToolCallDelta,
} from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';
import { createOpenAiStreamParser } from '../openai-compatible/openai-stream.parser';
import { createStopTrimmer, type StopTrimmer } from '../shared/stop-trimmer';
import { mapTgiStreamError } from './tgi-error';
import { generatedToolCallId } from '../shared/tool-call-ids';

/**
 * TGI's OpenAI chat route, read by the shared OpenAI parser (the `data:` without a space and the
 * `:` keep-alives are the SSE reader's business; `stop_sequence` falls to the default `stop`;
 * the usage chunk's empty `id` is never read) plus what TGI does differently:
 * - a matched stop string stays in `content`, so it is held back and cut off at the end;
 * - a tool call repeats its `id` on every fragment, and the id may be empty;
 * - a turn that called tools still finishes with `stop` (EOS), which becomes `tool_calls`.
 * Reference: huggingface/text-generation-inference router/src/chat.rs `ChatState`,
 * router/src/server.rs `chat_completions`.
 */
export function createTgiChatStreamParser(req: ChatRequest): EngineStreamParser {
  const inner = createOpenAiStreamParser({
    topLogprobs: req.sampling.logprobs?.top,
    mapError: mapTgiStreamError,
  });
  const trimmers = new Map<number, StopTrimmer>();
  const callsStarted = new Set<string>();
  const choicesWithCalls = new Set<number>();

  const trimmer = (index: number): StopTrimmer => {
    let t = trimmers.get(index);
    if (t === undefined) {
      t = createStopTrimmer(req.sampling.stop);
      trimmers.set(index, t);
    }
    return t;
  };

  const adaptDelta = (event: DeltaEvent): StreamEvent[] => {
    const out: DeltaEvent = { ...event };
    delete out.text;
    delete out.toolCalls;
    const text = event.text === undefined ? '' : trimmer(event.index).push(event.text);
    if (text !== '') out.text = text;
    if (event.toolCalls !== undefined) {
      choicesWithCalls.add(event.index);
      const calls = event.toolCalls.flatMap((call) => adaptCall(event.index, call));
      if (calls.length > 0) out.toolCalls = calls;
    }
    const empty = !out.text && !out.reasoning && !out.toolCalls && !out.logprobs;
    return empty ? [] : [out];
  };

  /**
   * The first fragment of a call carries its id; later ones must not, or a client would see a
   * new call. A later fragment with nothing in it (the closing token's empty arguments) is dropped.
   */
  const adaptCall = (choice: number, call: ToolCallDelta): ToolCallDelta[] => {
    const key = `${choice}:${call.index}`;
    const rest: ToolCallDelta = { ...call };
    delete rest.id;
    if (!callsStarted.has(key)) {
      callsStarted.add(key);
      return [{ ...rest, id: call.id ?? generatedToolCallId(req.id, choice, call.index) }];
    }
    return rest.name === undefined && rest.arguments === undefined ? [] : [rest];
  };

  /** Releases held text before the usage and terminal events; returns the stop strings cut off. */
  const flush = (
    terminal: TerminalEvent,
  ): { events: StreamEvent[]; stops: Map<number, string> } => {
    const events: StreamEvent[] = [];
    const stops = new Map<number, string>();
    for (const [index, t] of [...trimmers].sort(([a], [b]) => a - b)) {
      const reason =
        terminal.type === 'done'
          ? terminal.choices.find((c) => c.index === index)?.finishReason
          : undefined;
      const rest = t.flush(reason === 'stop');
      if (rest.text !== '') events.push({ type: 'delta', index, text: rest.text });
      if (rest.stopSequence !== undefined) stops.set(index, rest.stopSequence);
    }
    trimmers.clear();
    return { events, stops };
  };

  const adaptDone = (done: DoneEvent, stops: ReadonlyMap<number, string>): DoneEvent => ({
    type: 'done',
    choices: done.choices.map((c) => {
      if (choicesWithCalls.has(c.index) && c.finishReason === 'stop')
        return { index: c.index, finishReason: 'tool_calls' };
      const stop = stops.get(c.index);
      return stop === undefined ? c : { ...c, stopSequence: stop };
    }),
  });

  const adapt = (events: StreamEvent[]): StreamEvent[] => {
    const terminal = events.find(isTerminal);
    const out: StreamEvent[] = [];
    let stops: Map<number, string> | undefined;
    for (const event of events) {
      if (
        terminal !== undefined &&
        stops === undefined &&
        (event.type === 'usage' || isTerminal(event))
      ) {
        const flushed = flush(terminal);
        out.push(...flushed.events);
        stops = flushed.stops;
      }
      if (event.type === 'delta') out.push(...adaptDelta(event));
      else if (event.type === 'done') out.push(adaptDone(event, stops ?? new Map()));
      else out.push(event);
    }
    return out;
  };

  return {
    push: (record) => adapt(inner.push(record)),
    end: () => adapt(inner.end()),
  };
}
