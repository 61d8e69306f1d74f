import type { InferenceRequest, SwitchyardError, UsageEvent } from '@switchyard/contracts';
import type { StreamEncoder } from '../dialect';
import { promptOf } from '../text-completion';
import { tgiErrorBody } from './tgi.errors';
import type { TgiFacts } from './tgi-parse';
import { END_TOKEN, piecesOf, textToken, tgiFinishReason, type TgiToken } from './tgi-wire';

/**
 * TGI's `/generate_stream` (router/src/server.rs `generate_stream_internal`, lib.rs
 * `StreamResponse`, `StreamDetails`), byte for byte as axum writes it: `data:{json}\n\n` with no
 * space after the colon and no `[DONE]`. One event per token, `index` counting from 1; the last
 * event carries `generated_text` and, with `details`, `details`. A failure after the first byte
 * is an event `data:{"error":…,"error_type":…}`, after which the stream ends.
 *
 * The canonical stream ends with a `done` event rather than with a token, so the last event's
 * token is the matched stop string when the engine names one (TGI keeps it in the text too),
 * else an empty special end-of-sequence token.
 */
export function createTgiStreamEncoder(req: InferenceRequest, facts: TgiFacts): StreamEncoder {
  const prompt = promptOf(req);
  let index = 0;
  let text = '';
  let tokens = 0;
  let usage: UsageEvent | null = null;

  const frame = (body: unknown): string => `data:${JSON.stringify(body)}\n\n`;
  const tokenEvent = (
    token: TgiToken,
    top: TgiToken[],
    end: { generatedText: string; details: unknown } | null = null,
  ): string =>
    frame({
      index: ++index,
      token,
      top_tokens: top,
      generated_text: end?.generatedText ?? null,
      details: end?.details ?? null,
    });

  return {
    event(e) {
      switch (e.type) {
        case 'start':
        case 'embedding':
        case 'error':
          return '';
        case 'usage':
          usage = e;
          return '';
        case 'delta': {
          const pieces = piecesOf(e.text ?? '', e.logprobs ?? [], facts.topN);
          text += e.text ?? '';
          tokens += pieces.length;
          return pieces.map((p) => tokenEvent(p.token, p.top)).join('');
        }
        case 'done': {
          const choice = e.choices[0];
          const stop = choice?.finishReason === 'stop' ? choice.stopSequence : undefined;
          const details = facts.details
            ? {
                finish_reason: tgiFinishReason(choice?.finishReason ?? null, stop),
                generated_tokens: usage?.completionTokens ?? tokens,
                input_length: usage?.promptTokens ?? 0,
                seed: facts.seed,
              }
            : null;
          const generatedText = (facts.returnFullText ? prompt : '') + text + (stop ?? '');
          return tokenEvent(stop === undefined ? END_TOKEN : textToken(stop), [], {
            generatedText,
            details,
          });
        }
      }
    },
    error: (err: SwitchyardError) => frame(tgiErrorBody(err)),
    end: () => '',
  };
}
