import type { InferenceRequest, SwitchyardError, UsageEvent } from '@switchyard/contracts';
import type { CollectedResult } from '../collect';
import type { ResponseMeta, StreamEncoder } from '../dialect';
import { promptOf } from '../text-completion';
import { kserveErrorBody } from './kserve.errors';
import type { KserveFacts } from './kserve-parse';

/**
 * Triton generate answers (docs/protocol/extension_generate.md): `{id?, model_name,
 * model_version, text_output}` plus, as the vLLM backend adds them when asked, `finish_reason`,
 * `num_input_tokens` and `num_output_tokens` — always here, as a client that does not read them
 * loses nothing.
 */

function head(meta: ResponseMeta, facts: KserveFacts) {
  return {
    ...(facts.id !== undefined ? { id: facts.id } : {}),
    model_name: meta.model,
    model_version: facts.version,
  };
}

function tail(finishReason: string, usage: UsageEvent | null) {
  return {
    finish_reason: finishReason,
    num_input_tokens: usage?.promptTokens ?? 0,
    num_output_tokens: usage?.completionTokens ?? 0,
  };
}

/**
 * `generate_stream`: `data: {json}\n\n` per response, each `text_output` the new text only (the
 * vLLM backend's and TensorRT-LLM's streaming), no `[DONE]`. The finish reason and counts come
 * in a last response with an empty `text_output`. A failure after the first byte is
 * `data: {"error": "…"}`, after which the stream ends.
 */
export function createKserveStreamEncoder(meta: ResponseMeta, facts: KserveFacts): StreamEncoder {
  let usage: UsageEvent | null = null;
  const frame = (body: unknown): string => `data: ${JSON.stringify(body)}\n\n`;
  return {
    event(e) {
      switch (e.type) {
        case 'delta':
          return e.text ? frame({ ...head(meta, facts), text_output: e.text }) : '';
        case 'usage':
          usage = e;
          return '';
        case 'done':
          return frame({
            ...head(meta, facts),
            text_output: '',
            ...tail(e.choices[0]?.finishReason ?? 'stop', usage),
          });
        case 'start':
        case 'embedding':
        case 'error':
          return '';
      }
    },
    error: (err: SwitchyardError) => frame(kserveErrorBody(err)),
    end: () => '',
  };
}

/** `generate`: the prompt and the completion, unless `exclude_input_in_output`. */
export function kserveResponse(
  req: InferenceRequest,
  result: CollectedResult,
  meta: ResponseMeta,
  facts: KserveFacts,
) {
  const prompt = facts.excludeInputInOutput ? '' : promptOf(req);
  const choice = result.choices[0];
  return {
    ...head(meta, facts),
    text_output: prompt + (choice?.text ?? ''),
    ...tail(choice?.finishReason ?? 'stop', result.usage),
  };
}
