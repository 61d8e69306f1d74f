import type { TokenProb, TokenProbs } from '../../core/fake-logprobs';
import { shortestFloat32 } from '../../core/float32';
import type { ChoiceResult } from '../../core/generation-runner';
import { f64, type JsonFloat, type JsonObject } from '../../core/json-writer';
import type { PlannedToken } from '../../core/text-generator';
import { EOS_ID, EOS_PIECE } from '../../core/tokenizer';

/**
 * Pieces shared by TGI's response shapes (`router/src/lib.rs` `Token`, `FinishReason`, `Info`).
 * Field order is the Rust struct order serde_json writes.
 */

export const TGI_VERSION = '3.3.6';
/** `<version>-<docker_label|native>`; the simulator is no docker build. */
export const SYSTEM_FINGERPRINT = `${TGI_VERSION}-native`;
/** `x-compute-type`: `<shards>-<accelerator>`, here the simulator. */
export const COMPUTE_TYPE = '1-engine-sim';

/** Router limits `/info` announces and validation enforces (TGI's launcher defaults). */
export const TGI_LIMITS = { maxBestOf: 2, maxStopSequences: 4, maxTopNTokens: 5 } as const;

export type TgiFinishReason = 'length' | 'eos_token' | 'stop_sequence';

const FINISH_REASONS = {
  limit: 'length',
  eos: 'eos_token',
  word: 'stop_sequence',
} as const satisfies Record<ChoiceResult['stopType'], TgiFinishReason>;

// lib.rs `FinishReason::format(true)`, used by the OpenAI routes.
const OPENAI_FINISH_REASONS = {
  length: 'length',
  eos_token: 'stop',
  stop_sequence: 'stop_sequence',
} as const satisfies Record<TgiFinishReason, string>;

export const finishReason = (result: ChoiceResult): TgiFinishReason =>
  FINISH_REASONS[result.stopType];

export const openaiFinishReason = (reason: TgiFinishReason): string =>
  OPENAI_FINISH_REASONS[reason];

/** TGI decodes EOS to its piece and flags it special; the core gives it no text. */
export const tokenText = (token: PlannedToken): string => (token.eog ? EOS_PIECE : token.text);

/** `logprob` is an f32. */
export const logprobJson = (logprob: number): JsonFloat => f64(shortestFloat32(logprob));

export function tokenJson(token: PlannedToken, probs: TokenProbs | undefined): JsonObject {
  return {
    id: token.id,
    text: tokenText(token),
    logprob: logprobJson(probs?.chosen.logprob ?? 0),
    special: token.eog,
  };
}

/** The `top_n_tokens` best alternatives at one position (the chosen one among them). */
export function topTokensJson(probs: TokenProbs | undefined, topN: number): JsonObject[] {
  if (!probs || topN === 0) return [];
  return probs.top.slice(0, topN).map((alt: TokenProb) => ({
    id: alt.id,
    text: alt.id === EOS_ID ? EOS_PIECE : alt.text,
    logprob: logprobJson(alt.logprob),
    special: alt.id === EOS_ID,
  }));
}

/**
 * What TGI's `generated_text` holds: every decoded token's text, special tokens skipped. A stop
 * string stays in, as TGI only checks for it after the token that completes it.
 */
export function generatedText(tokens: readonly PlannedToken[]): string {
  return tokens.map((token) => (token.eog ? '' : token.text)).join('');
}

export const unixNow = (): number => Math.floor(Date.now() / 1000);
