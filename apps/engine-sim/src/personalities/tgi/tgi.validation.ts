import { randomInt } from 'node:crypto';
import type { SimSettings } from '../../core/sim-options';
import { invalid } from './tgi.errors';
import type { TgiParameters } from './tgi.request';
import { TGI_LIMITS } from './tgi.wire';
import { DEFAULT_SEED } from '../../core/text-generator';
import { tokenize } from '../../core/tokenizer';

/**
 * TGI's request validation (`router/src/validation.rs` `validate`, `ValidationError`), in its
 * order and wording, turning parameters into what the simulator runs.
 */

export interface TgiTask {
  readonly inputs: string;
  readonly promptTokens: readonly number[];
  readonly maxNewTokens: number;
  readonly stop: readonly string[];
  /** One seed per sequence (`best_of` of them); greedy requests all use the same one. */
  readonly seeds: readonly number[];
  /** What `details.seed` reports: null unless the request samples. */
  readonly reportedSeed: number | null;
  readonly topN: number;
  readonly details: boolean;
  readonly decoderInputDetails: boolean;
  readonly returnFullText: boolean;
}

export interface ValidationContext {
  readonly settings: SimSettings;
  readonly stream: boolean;
  /** The chat template already added BOS; the native routes add it when tokenizing. */
  readonly addSpecialTokens: boolean;
  /** Sampling when the request says nothing (`parameters` omitted on a native route). */
  readonly sampleByDefault: boolean;
  /** `return_full_text` when the request says nothing (true on the compat route). */
  readonly fullTextByDefault: boolean;
}

/** `/info`'s `max_input_tokens` and `max_total_tokens` for a simulated context size. */
export const tokenLimits = (settings: SimSettings) => ({
  maxInput: settings.ctxSize - 1,
  maxTotal: settings.ctxSize,
});

const inOpenUnit = (value: number): boolean => value > 0 && value < 1;

export function validateParameters(
  inputs: string,
  p: TgiParameters,
  context: ValidationContext,
): TgiTask {
  const bestOf = p.best_of ?? 1;
  if (context.stream && bestOf !== 1) {
    throw invalid('`best_of` != 1 is not supported when streaming tokens');
  }
  if (context.stream && p.decoder_input_details === true) {
    throw invalid('`decoder_input_details` == true is not supported when streaming tokens');
  }
  const sampling =
    (p.do_sample ?? context.sampleByDefault) ||
    [p.temperature, p.top_k, p.top_p, p.typical_p].some((knob) => knob !== undefined);
  if (bestOf === 0 || bestOf > TGI_LIMITS.maxBestOf) {
    throw invalid(`\`best_of\` must be > 0 and <= ${TGI_LIMITS.maxBestOf}. Given: ${bestOf}`);
  }
  if (bestOf > 1 && !sampling) throw invalid('you must use sampling when `best_of` is > 1');
  if (p.temperature !== undefined && p.temperature <= 0) {
    throw invalid('`temperature` must be strictly positive');
  }
  if (p.repetition_penalty !== undefined && p.repetition_penalty <= 0) {
    throw invalid('`repetition_penalty` must be strictly positive');
  }
  const frequency = p.frequency_penalty;
  if (frequency !== undefined && (frequency < -2 || frequency > 2)) {
    throw invalid('`frequency_penalty` must be >= -2.0 and <= 2.0');
  }
  if (p.top_p !== undefined && !inOpenUnit(p.top_p)) {
    throw invalid('`top_p` must be > 0.0 and < 1.0');
  }
  if (p.typical_p !== undefined && !inOpenUnit(p.typical_p)) {
    throw invalid('`typical_p` must be > 0.0 and < 1.0');
  }
  if (p.top_k !== undefined && p.top_k <= 0) throw invalid('`top_k` must be strictly positive');
  if (p.max_new_tokens === 0) throw invalid('`max_new_tokens` must be strictly positive');
  const stop = p.stop ?? [];
  if (stop.length > TGI_LIMITS.maxStopSequences) {
    throw invalid(
      `\`stop\` supports up to ${TGI_LIMITS.maxStopSequences} stop sequences. Given: ${stop.length}`,
    );
  }
  if (bestOf > 1 && p.seed !== undefined) {
    throw invalid('`seed` must not be set when `best_of` > 1');
  }
  const topN = p.top_n_tokens ?? 0;
  if (topN > TGI_LIMITS.maxTopNTokens) {
    throw invalid(
      `\`top_n_tokens\` must be >= 0 and <= ${TGI_LIMITS.maxTopNTokens}. Given: ${topN}`,
    );
  }
  if (inputs === '') throw invalid('`inputs` cannot be empty');

  const { maxInput, maxTotal } = tokenLimits(context.settings);
  const promptTokens = truncated(tokenize(inputs, context.addSpecialTokens), p.truncate, maxInput);
  if (promptTokens.length > maxInput) {
    throw invalid(
      `\`inputs\` must have less than ${maxInput} tokens. Given: ${promptTokens.length}`,
    );
  }
  const maxNewTokens = p.max_new_tokens ?? maxTotal - promptTokens.length;
  if (promptTokens.length + maxNewTokens > maxTotal) {
    throw invalid(
      `\`inputs\` tokens + \`max_new_tokens\` must be <= ${maxTotal}. Given: ${promptTokens.length} \`inputs\` tokens and ${maxNewTokens} \`max_new_tokens\``,
    );
  }
  const seeds = Array.from({ length: bestOf }, () =>
    sampling ? (p.seed ?? randomInt(2 ** 47)) : DEFAULT_SEED,
  );
  return {
    inputs,
    promptTokens,
    maxNewTokens,
    stop,
    seeds,
    reportedSeed: sampling ? (seeds[0] ?? null) : null,
    topN,
    details: p.details === true || p.decoder_input_details === true,
    decoderInputDetails: p.decoder_input_details === true,
    returnFullText: p.return_full_text ?? context.fullTextByDefault,
  };
}

/** `truncate` keeps the last N input tokens. */
function truncated(
  tokens: readonly number[],
  truncate: number | undefined,
  maxInput: number,
): readonly number[] {
  if (truncate === undefined) return tokens;
  if (truncate === 0 || truncate > maxInput) {
    throw invalid(
      `\`truncate\` must be strictly positive and less than ${maxInput}. Given: ${truncate}`,
    );
  }
  return tokens.slice(-truncate);
}
