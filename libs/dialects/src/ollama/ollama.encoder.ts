import type { StreamEvent, SwitchyardError, ToolCall, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult, CollectedTimings } from '../collect';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { opt } from '../opt';
import { ollamaErrorBody } from './ollama.errors';
import { encodeContext } from './ollama-context';
import type { OllamaFacts } from './ollama-parse';
import {
  DONE_REASONS,
  SHAPES,
  finalMetrics,
  ollamaLogprobs,
  ollamaToolCalls,
  rfc3339Nano,
  systemClock,
  type OllamaClock,
  type OllamaShape,
  type Piece,
  type Timings,
} from './ollama-wire';

/**
 * Ollama's NDJSON stream (docs/api.md "Generate a completion" / "Generate a chat
 * completion"; docs/api/streaming.mdx): one object per line with `done:false`, then one
 * `done:true` object with `done_reason` and the metrics. Durations are measured here, from
 * the encoder's creation (≈ when the request was accepted): prompt evaluation until the
 * first output, evaluation from then to the end. Tool calls stream as argument fragments in
 * the canonical events but Ollama sends whole calls with object arguments, so they are
 * buffered and sent on one line just before the final one.
 */
export function createOllamaStreamEncoder(
  shape: OllamaShape,
  meta: ResponseMeta,
  facts: OllamaFacts,
  clock: OllamaClock = systemClock,
): StreamEncoder {
  const startNs = clock.monoNs();
  const load = facts.load;
  const calls: ToolCall[] = [];
  let startedNs: bigint | undefined;
  let firstOutputNs: bigint | undefined;
  let usage: UsageEvent | null = null;
  // The answer's text, for the `context` of a generate turn.
  let answer = '';

  const line = (piece: Piece, tail: object): string =>
    `${JSON.stringify({
      model: meta.model,
      created_at: rfc3339Nano(clock.wallNs()),
      ...SHAPES[shape](piece),
      ...tail,
    })}\n`;

  const encodeEvent = (e: StreamEvent): string => {
    switch (e.type) {
      case 'start':
        startedNs ??= clock.monoNs();
        return '';
      case 'embedding':
      case 'error':
        return '';
      case 'usage':
        usage = e;
        return '';
      case 'delta': {
        if (load) return '';
        firstOutputNs ??= clock.monoNs();
        for (const d of e.toolCalls ?? []) {
          const call = (calls[d.index] ??= { id: '', name: '', arguments: '' });
          if (d.id) call.id = d.id;
          if (d.name) call.name += d.name;
          if (d.arguments) call.arguments += d.arguments;
        }
        if (e.index === 0 && e.text) answer += e.text;
        const hasLogprobs = e.logprobs !== undefined && e.logprobs.length > 0;
        if (!e.text && !e.reasoning && !hasLogprobs) return '';
        return line(
          { content: e.text ?? '', ...opt('thinking', e.reasoning || undefined) },
          { done: false, ...(hasLogprobs ? { logprobs: ollamaLogprobs(e.logprobs ?? []) } : {}) },
        );
      }
      case 'done': {
        if (load) return line({ content: '' }, { done: true, done_reason: load });
        const endNs = clock.monoNs();
        const firstNs = firstOutputNs ?? endNs;
        const finish = e.choices[0]?.finishReason ?? 'stop';
        const toolLine =
          calls.length > 0
            ? line(
                { content: '', toolCalls: ollamaToolCalls(calls.filter(Boolean)) },
                { done: false },
              )
            : '';
        const metrics = finalMetrics(usage, {
          totalNs: endNs - startNs,
          ...(startedNs !== undefined ? { loadNs: startedNs - startNs } : {}),
          promptEvalNs: firstNs - (startedNs ?? startNs),
          evalNs: endNs - firstNs,
        });
        return (
          toolLine +
          line(
            { content: '' },
            {
              done: true,
              done_reason: DONE_REASONS[finish],
              ...contextOf(facts, answer),
              ...metrics,
            },
          )
        );
      }
    }
  };

  return {
    event: encodeEvent,
    error: (err: SwitchyardError) => `${JSON.stringify(ollamaErrorBody(err))}\n`,
    end: () => '',
  };
}

/** The whole answer in one object: the folded output plus the final object's fields. */
export function ollamaResponse(
  shape: OllamaShape,
  result: CollectedResult,
  meta: ResponseMeta,
  facts: OllamaFacts,
  clock: OllamaClock = systemClock,
) {
  const head = { model: meta.model, created_at: rfc3339Nano(clock.wallNs()) };
  if (facts.load)
    return { ...head, ...SHAPES[shape]({ content: '' }), done: true, done_reason: facts.load };
  const c = result.choices[0];
  const toolCalls = c && c.toolCalls.length > 0 ? ollamaToolCalls(c.toolCalls) : undefined;
  const piece: Piece = {
    content: c?.text ?? '',
    ...opt('thinking', c?.reasoning || undefined),
    ...opt('toolCalls', toolCalls),
  };
  // The total runs from when the body was parsed; the collector saw the rest.
  const totalNs = clock.monoNs() - facts.receivedNs;
  return {
    ...head,
    ...SHAPES[shape](piece),
    done: true,
    done_reason: DONE_REASONS[c?.finishReason ?? 'stop'],
    ...contextOf(facts, c?.text ?? ''),
    ...(c?.logprobs && c.logprobs.length > 0 ? { logprobs: ollamaLogprobs(c.logprobs) } : {}),
    ...finalMetrics(result.usage, { totalNs, ...phases(result.timings, facts.receivedNs) }),
  };
}

/**
 * The time until a node took the request (from when the body was parsed), prompt evaluation
 * from then until the first output, evaluation from then to `done`, as streamed.
 */
function phases(t: CollectedTimings | undefined, receivedNs: bigint): Omit<Timings, 'totalNs'> {
  if (t?.doneNs === undefined) return {};
  const firstNs = t.firstOutputNs ?? t.doneNs;
  const startedNs = t.startedNs ?? t.startNs;
  return {
    ...(t.startedNs !== undefined ? { loadNs: t.startedNs - receivedNs } : {}),
    promptEvalNs: firstNs - startedNs,
    evalNs: t.doneNs - firstNs,
  };
}

/** A generate turn's `context`: the conversation with this answer (ollama-context.ts). */
function contextOf(facts: OllamaFacts, answer: string): { context?: number[] } {
  if (!facts.history) return {};
  return { context: encodeContext([...facts.history, { role: 'assistant', content: answer }]) };
}
