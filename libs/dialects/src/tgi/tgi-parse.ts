import {
  AUTO_MODEL,
  type CompletionRequest,
  type ResponseFormat,
  type SamplingParams,
} from '@switchyard/contracts';
import { refuse } from '../canonical';
import type { ParseContext, ParsedRequest } from '../dialect';
import { opt } from '../opt';
import { completionRequest, requestedModel } from '../text-completion';
import { validateBody } from '../validate';
import { tgiGenerateSchema, type TgiGrammar, type TgiParameters } from './tgi.schema';
import { validateTgiParameters, type ValidParameters } from './tgi-validation';

/**
 * TGI bodies → canonical completion requests. The inputs run as written (no chat template);
 * every parameter is honoured, forwarded or refused as the dialect's README paragraph lists.
 */

/** `POST /generate`, `POST /generate_stream`, and the compat `POST /`. */
export type TgiRoute = 'generate' | 'generate_stream' | 'compat';

/** What the TGI wire needs that the canonical request does not say. */
export interface TgiFacts {
  route: TgiRoute;
  /** Prepend the inputs to `generated_text`. */
  returnFullText: boolean;
  /** `details` (or `decoder_input_details`, which implies it). */
  details: boolean;
  decoderInputDetails: boolean;
  bestOf: number;
  /** `top_n_tokens`: alternatives shown per token. */
  topN: number;
  /** `details.seed`: TGI reports the seed when it samples; Switchyard knows only a requested one. */
  seed: number | null;
  /** `performance.now()` when the body was parsed, for the timing headers. */
  receivedMs: number;
}

export function parseTgi(
  route: TgiRoute,
  body: unknown,
  ctx: ParseContext,
  now: () => number = () => performance.now(),
): ParsedRequest<TgiFacts, CompletionRequest> {
  const b = validateBody(tgiGenerateSchema, body);
  const stream = route === 'generate_stream' || b.stream === true;
  const p: TgiParameters = b.parameters ?? {};
  const valid = validateTgiParameters(b.inputs, p, {
    stream,
    sampleByDefault: b.parameters == null,
  });
  const details = p.details === true || p.decoder_input_details === true;
  const request = completionRequest(ctx, {
    model: modelOf(ctx, b.model, p.adapter_id),
    prompt: b.inputs,
    sampling: toSampling(p, valid, stream, details),
    stream,
    extra: {
      // TGI's own engine fields, which TGI engines apply and other engines ignore.
      ...opt('truncate', p.truncate),
      ...(p.watermark === true ? { watermark: true } : {}),
    },
  });
  const facts: TgiFacts = {
    route,
    // `POST /` defaults it from the model's pipeline tag, `text-generation` (server.rs compat_generate).
    returnFullText: p.return_full_text ?? route === 'compat',
    details,
    decoderInputDetails: p.decoder_input_details === true,
    bestOf: valid.bestOf,
    topN: valid.topN,
    seed: valid.sampling ? (p.seed ?? null) : null,
    receivedMs: now(),
  };
  return { request, facts };
}

function toSampling(
  p: TgiParameters,
  valid: ValidParameters,
  stream: boolean,
  details: boolean,
): SamplingParams {
  // Per-token logprobs fill the stream's `top_tokens`, the response's `details.tokens`, and rank
  // `best_of` sequences; they are asked for only when one of those shows them.
  const logprobs = valid.bestOf > 1 || (stream ? valid.topN > 0 : details);
  return {
    stop: p.stop ?? [],
    n: valid.bestOf,
    // Without sampling TGI decodes greedily, which is temperature 0 everywhere else; when it
    // samples, an unset temperature is 1.0 (validation.rs), not the engine's own default.
    temperature: valid.sampling ? (p.temperature ?? 1) : 0,
    ...opt('topP', p.top_p),
    ...opt('topK', p.top_k),
    ...opt('typicalP', p.typical_p),
    ...opt('frequencyPenalty', p.frequency_penalty),
    ...opt('repetitionPenalty', p.repetition_penalty),
    ...opt('seed', p.seed),
    ...opt('maxTokens', p.max_new_tokens),
    ...(logprobs ? { logprobs: { top: valid.topN } } : {}),
    ...opt('responseFormat', p.grammar ? toResponseFormat(p.grammar) : undefined),
  };
}

/**
 * TGI serves one model and its bodies name none. `adapter_id` selects a LoRA adapter, which
 * engines that serve adapters list as a model of its own, so it names the model here.
 */
function modelOf(
  ctx: ParseContext,
  bodyModel: string | null | undefined,
  adapterId: string | null | undefined,
): string {
  const named = requestedModel(ctx.headers, bodyModel);
  if (adapterId == null || adapterId === '') return named;
  if (named !== AUTO_MODEL && named !== adapterId) {
    refuse(
      'parameters.adapter_id',
      `\`adapter_id\` '${adapterId}' names a different model than the request's '${named}'`,
    );
  }
  return adapterId;
}

function toResponseFormat(g: TgiGrammar): ResponseFormat {
  switch (g.type) {
    case 'json':
    case 'json_object':
      return { type: 'json_schema', schema: schemaOf(g.value) };
    case 'json_schema':
      return { type: 'json_schema', ...opt('name', g.value.name), schema: g.value.schema };
    case 'regex':
      // validateTgiParameters refuses it first.
      return refuse('parameters.grammar', 'grammar of type `regex` is not supported');
  }
}

/** A JSON Schema given as an object or as a string holding one (validation.rs `GrammarType::Json`). */
function schemaOf(value: Record<string, unknown> | string): Record<string, unknown> {
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (err) {
    return refuse('parameters.grammar', `grammar is not valid: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse('parameters.grammar', 'grammar is not valid: the schema must be a JSON object');
  }
  return parsed as Record<string, unknown>;
}
