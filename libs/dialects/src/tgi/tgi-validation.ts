import { refuse } from '../canonical';
import type { TgiParameters } from './tgi.schema';

/**
 * TGI's request validation (router/src/validation.rs `Validation::validate`,
 * `validate_best_of`, `ValidationError`; server.rs `generate_stream_internal`), in its order and
 * with its messages, each naming the parameter. Every failure is a 422 `validation` error.
 */

/**
 * Switchyard's own limits, announced by `/info`. They are TGI's launcher defaults: `best_of`
 * multiplies the work of a request, so it stays as small as TGI keeps it.
 */
export const TGI_LIMITS = { maxBestOf: 2, maxStopSequences: 4, maxTopNTokens: 5 } as const;

export interface ValidParameters {
  bestOf: number;
  /** TGI samples when asked to or when any sampling knob is set; otherwise it decodes greedily. */
  sampling: boolean;
  topN: number;
}

/** `param` is a key of `parameters`, or `inputs`. */
const invalid = (param: string, message: string): never =>
  refuse(param === 'inputs' ? param : `parameters.${param}`, message);

const inOpenUnit = (v: number): boolean => v > 0 && v < 1;

/**
 * @param sampleByDefault TGI's `do_sample` default: true only when the body has no `parameters`
 *   object at all (lib.rs `default_parameters`), false when the object is there.
 */
export function validateTgiParameters(
  inputs: string,
  p: TgiParameters,
  opts: { stream: boolean; sampleByDefault: boolean },
): ValidParameters {
  const bestOf = p.best_of ?? 1;
  if (opts.stream && bestOf !== 1) {
    invalid('best_of', '`best_of` != 1 is not supported when streaming tokens');
  }
  if (opts.stream && p.decoder_input_details === true) {
    invalid(
      'decoder_input_details',
      '`decoder_input_details` == true is not supported when streaming tokens',
    );
  }
  if (bestOf === 0 || bestOf > TGI_LIMITS.maxBestOf) {
    invalid('best_of', `\`best_of\` must be > 0 and <= ${TGI_LIMITS.maxBestOf}. Given: ${bestOf}`);
  }
  const sampling =
    (p.do_sample ?? opts.sampleByDefault) ||
    [p.temperature, p.top_k, p.top_p, p.typical_p].some((knob) => knob != null);
  if (bestOf > 1 && !sampling) invalid('best_of', 'you must use sampling when `best_of` is > 1');
  if (p.temperature != null && p.temperature <= 0) {
    invalid('temperature', '`temperature` must be strictly positive');
  }
  if (p.repetition_penalty != null && p.repetition_penalty <= 0) {
    invalid('repetition_penalty', '`repetition_penalty` must be strictly positive');
  }
  const frequency = p.frequency_penalty;
  if (frequency != null && (frequency < -2 || frequency > 2)) {
    invalid('frequency_penalty', '`frequency_penalty` must be >= -2.0 and <= 2.0');
  }
  if (p.top_p != null && !inOpenUnit(p.top_p)) invalid('top_p', '`top_p` must be > 0.0 and < 1.0');
  if (p.typical_p != null && !inOpenUnit(p.typical_p)) {
    invalid('typical_p', '`typical_p` must be > 0.0 and < 1.0');
  }
  if (p.top_k != null && p.top_k <= 0) invalid('top_k', '`top_k` must be strictly positive');
  if (p.max_new_tokens === 0) {
    invalid('max_new_tokens', '`max_new_tokens` must be strictly positive');
  }
  const stops = p.stop?.length ?? 0;
  if (stops > TGI_LIMITS.maxStopSequences) {
    invalid(
      'stop',
      `\`stop\` supports up to ${TGI_LIMITS.maxStopSequences} stop sequences. Given: ${stops}`,
    );
  }
  if (bestOf > 1 && p.seed != null) invalid('seed', '`seed` must not be set when `best_of` > 1');
  const topN = p.top_n_tokens ?? 0;
  if (topN > TGI_LIMITS.maxTopNTokens) {
    invalid(
      'top_n_tokens',
      `\`top_n_tokens\` must be >= 0 and <= ${TGI_LIMITS.maxTopNTokens}. Given: ${topN}`,
    );
  }
  if (inputs === '') invalid('inputs', '`inputs` cannot be empty');
  // TGI also caps it at its max_input_tokens; Switchyard does not know the engines' context sizes.
  if (p.truncate === 0) {
    invalid('truncate', '`truncate` must be strictly positive. Given: 0');
  }
  if (p.grammar?.type === 'regex') {
    invalid(
      'grammar',
      'grammar of type `regex` is not supported: Switchyard constrains output with JSON schemas ' +
        'only (use `{"type": "json", "value": <schema>}`)',
    );
  }
  return { bestOf, sampling, topN };
}
