import type { SwitchyardError, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { InferenceRoute, StreamEncoder } from '../dialect';
import { parseTgi, type TgiFacts } from '../tgi/tgi-parse';
import { tgiFinishReason } from '../tgi/tgi-wire';
import { mindieErrorBody } from './mindie.errors';

/**
 * MindIE's native `POST /infer` (protocols §6.3): the body is TGI's — `inputs`, a top-level
 * `stream`, TGI's `parameters` — and is parsed by the TGI dialect's own parser. The answer:
 * `{generated_text, details{finish_reason, generated_tokens, seed}}`; streamed, SSE events
 * `data: {"prefill_time", "decode_time", "token":{"id","text"}}` (the first token reports the
 * prefill time in ms, later ones their decode step), the last adding `generated_text` and
 * `details`. Switchyard relays text, not token ids: every token shows `id: 0`, and
 * `generated_token_ids` is left out.
 */

interface MindieDetails {
  finish_reason: string;
  generated_tokens: number;
  seed: number | null;
}

function details(
  finish: Parameters<typeof tgiFinishReason>[0],
  stop: string | undefined,
  generated: number,
  facts: TgiFacts,
): MindieDetails {
  return {
    finish_reason: tgiFinishReason(finish, stop),
    generated_tokens: generated,
    seed: facts.seed,
  };
}

function createInferStreamEncoder(facts: TgiFacts): StreamEncoder {
  let text = '';
  let tokens = 0;
  let usage: UsageEvent | null = null;
  let last = facts.receivedMs;
  const frame = (body: unknown): string => `data: ${JSON.stringify(body)}\n\n`;
  const timing = () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return tokens === 0
      ? { prefill_time: ms, decode_time: null }
      : { prefill_time: null, decode_time: ms };
  };
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
          if (!e.text) return '';
          const out = frame({ ...timing(), token: { id: 0, text: e.text } });
          text += e.text;
          tokens += 1;
          return out;
        }
        case 'done': {
          const choice = e.choices[0];
          const stop = choice?.finishReason === 'stop' ? choice.stopSequence : undefined;
          return frame({
            prefill_time: null,
            decode_time: null,
            token: { id: 0, text: stop ?? '' },
            generated_text: text + (stop ?? ''),
            details: details(
              choice?.finishReason ?? null,
              stop,
              usage?.completionTokens ?? tokens,
              facts,
            ),
          });
        }
      }
    },
    error: (err: SwitchyardError) => frame(mindieErrorBody(err)),
    end: () => '',
  };
}

function inferResponse(result: CollectedResult, facts: TgiFacts) {
  const c = result.choices[0];
  const stop = c?.finishReason === 'stop' ? c.stopSequence : undefined;
  return {
    generated_text: (c?.text ?? '') + (stop ?? ''),
    details: details(c?.finishReason ?? null, stop, result.usage?.completionTokens ?? 0, facts),
  };
}

export const inferRoute: InferenceRoute<TgiFacts> = {
  method: 'POST',
  path: '/infer',
  parse: (body, ctx) => parseTgi('generate', body, ctx),
  streamContentType: 'text/event-stream; charset=utf-8',
  limitParams: {
    maxChoices: 'parameters.best_of',
    maxTokens: 'parameters.max_new_tokens',
    maxStop: 'parameters.stop',
  },
  createStreamEncoder: (_req, _meta, facts) => createInferStreamEncoder(facts),
  respond: (_req, result, _meta, facts) => inferResponse(result, facts),
};
