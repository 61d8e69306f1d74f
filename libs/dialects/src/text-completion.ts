import {
  AUTO_MODEL,
  type CompletionRequest,
  type InferenceRequest,
  type SamplingParams,
} from '@switchyard/contracts';
import type { ParseContext } from './dialect';

/**
 * What the prompt-in, text-out dialects (TGI, the vLLM demo server, KServe generate) share:
 * which model a request means when its body names none, and the canonical completion request.
 */

/** Headers a client may name the model with where the body has no place for it. */
export const MODEL_HEADERS = ['x-switchyard-model', 'x-model'] as const;

/**
 * The model a request without a `model` field in its protocol means: the body's `model` (a
 * Switchyard extension), else a model header, else `auto` — the catalogue's first model in
 * configured order with free capacity, which is the one served model when there is only one,
 * as behind a real TGI or vLLM server. A `model` that is an http(s) URL names no model: it is
 * the endpoint itself, which is what `@huggingface/inference` sends when given only an
 * `endpointUrl` (its text-generation task posts `{model: endpointUrl}` to `/v1/completions`).
 */
export function requestedModel(
  headers: ParseContext['headers'],
  bodyModel?: string | null,
): string {
  if (bodyModel != null && bodyModel !== '' && !isEndpointUrl(bodyModel)) return bodyModel;
  for (const name of MODEL_HEADERS) {
    const value = headers[name];
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined && first.trim() !== '') return first.trim();
  }
  return AUTO_MODEL;
}

export interface CompletionInput {
  model: string;
  prompt: string;
  sampling: SamplingParams;
  stream: boolean;
  /** Engine passthrough under the engines' own field names. */
  extra?: Record<string, unknown>;
}

/** A text completion: the prompt runs as written, no chat template. */
export function completionRequest(ctx: ParseContext, input: CompletionInput): CompletionRequest {
  const extra = input.extra ?? {};
  return {
    id: ctx.requestId,
    kind: 'completion',
    model: input.model,
    prompt: input.prompt,
    sampling: input.sampling,
    stream: input.stream,
    // These dialects show token counts at the end of a stream, so the encoders need usage.
    includeUsage: input.stream,
    priority: 0,
    modalities: ['text'],
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** The prompt of a request these dialects' parsers built (always a completion). */
export function promptOf(req: InferenceRequest): string {
  return req.kind === 'completion' ? req.prompt : '';
}

/** A model "name" that is the URL of an endpoint (`http://gateway:8080`), i.e. unspecified. */
export function isEndpointUrl(model: string): boolean {
  return /^https?:\/\//i.test(model.trim());
}
