import type {
  CompletionRequest,
  DeltaEvent,
  ErrorCode,
  FinishReason,
  StreamEvent,
  TokenLogprob,
} from '@switchyard/contracts';
import type { EngineStreamParser } from '../engine-adapter';
import { engineErrorEvent } from '../shared/engine-error';
import {
  asArray,
  asNumber,
  asString,
  isObject,
  tryParseJson,
  type JsonObject,
} from '../shared/json-guards';
import { createStopTrimmer } from '../shared/stop-trimmer';
import { mapTgiStreamError } from './tgi-error';

/**
 * TGI's native `/generate_stream`: one event per token
 * `{index, token: {id, text, logprob, special}, top_tokens, generated_text: null, details: null}`;
 * the last one carries `generated_text` and `details` and the body then ends, with no `[DONE]`.
 * A failure is an event `{"error", "error_type"}` (the status stays 200).
 * Reference: huggingface/text-generation-inference router/src/server.rs
 * `generate_stream_internal`, router/src/lib.rs `StreamResponse`, `StreamDetails`.
 */

// lib.rs FinishReason; a matched stop string is a normal stop (the trimmer removes it from the text).
const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  length: 'length',
  eos_token: 'stop',
  stop_sequence: 'stop',
};
const DEFAULT_FINISH: FinishReason = 'stop';

export function createTgiGenerateStreamParser(req: CompletionRequest): EngineStreamParser {
  const trimmer = createStopTrimmer(req.sampling.stop);
  const logprobs = req.sampling.logprobs;
  let output = false;
  let finished = false;

  const delta = (text: string, tokenLogprobs: TokenLogprob[]): StreamEvent[] => {
    if (text === '' && tokenLogprobs.length === 0) return [];
    const event: DeltaEvent = { type: 'delta', index: 0 };
    if (text !== '') event.text = text;
    if (tokenLogprobs.length > 0) event.logprobs = tokenLogprobs;
    output = true;
    return [event];
  };

  const fail = (code: ErrorCode, message: string): StreamEvent[] => {
    // Text held back in case it began a stop sequence was generated all the same.
    const held = delta(trimmer.flush(false).text, []);
    finished = true;
    return [...held, engineErrorEvent(code, message, output)];
  };

  const finish = (details: JsonObject | undefined): StreamEvent[] => {
    finished = true;
    const reason = asString(details?.finish_reason);
    const rest = trimmer.flush(reason === 'stop_sequence');
    const choice: { index: number; finishReason: FinishReason; stopSequence?: string } = {
      index: 0,
      finishReason: (reason === undefined ? undefined : FINISH_REASONS[reason]) ?? DEFAULT_FINISH,
    };
    if (rest.stopSequence !== undefined) choice.stopSequence = rest.stopSequence;
    const events = delta(rest.text, []);
    const promptTokens = asNumber(details?.input_length);
    const completionTokens = asNumber(details?.generated_tokens);
    if (promptTokens !== undefined && completionTokens !== undefined)
      events.push({ type: 'usage', promptTokens, completionTokens });
    events.push({ type: 'done', choices: [choice] });
    return events;
  };

  return {
    push(record) {
      if (finished) return [];
      const event = tryParseJson(record);
      if (!isObject(event)) return fail('SY_ENGINE_ERROR', 'engine sent a malformed stream record');
      if (event.error !== undefined && event.error !== null) {
        const mapped = mapTgiStreamError(event.error, event);
        return fail(mapped.code, mapped.message);
      }
      const token = isObject(event.token) ? event.token : undefined;
      // Special tokens (`</s>`, `<|eot_id|>`) are control symbols, not text.
      const events =
        token === undefined || token.special === true
          ? []
          : delta(
              trimmer.push(asString(token.text) ?? ''),
              logprobs === undefined ? [] : toLogprobs(token, event.top_tokens, logprobs.top),
            );
      const isLast =
        (event.generated_text !== undefined && event.generated_text !== null) ||
        isObject(event.details);
      return isLast
        ? [...events, ...finish(isObject(event.details) ? event.details : undefined)]
        : events;
    },
    end() {
      if (finished) return [];
      return fail('SY_STREAM_INTERRUPTED', 'engine closed the stream before it finished');
    },
  };
}

function toLogprobs(token: JsonObject, topTokens: unknown, top: number): TokenLogprob[] {
  const text = asString(token.text);
  const logprob = asNumber(token.logprob);
  if (text === undefined || logprob === undefined) return [];
  const alternatives = asArray(topTokens).flatMap((alt) => {
    if (!isObject(alt)) return [];
    const altText = asString(alt.text);
    const altLogprob = asNumber(alt.logprob);
    return altText === undefined || altLogprob === undefined
      ? []
      : [{ token: altText, logprob: altLogprob, bytes: null }];
  });
  return [{ token: text, logprob, bytes: null, top: alternatives.slice(0, top) }];
}
