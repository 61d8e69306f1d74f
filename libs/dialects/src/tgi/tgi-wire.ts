import type { FinishReason, TokenLogprob } from '@switchyard/contracts';

/**
 * Pieces of TGI's response shapes (router/src/lib.rs `Token`, `FinishReason`), in the field
 * order serde writes them.
 */

export type TgiFinishReason = 'length' | 'eos_token' | 'stop_sequence';

// lib.rs FinishReason: a stop string the engine names is `stop_sequence`, any other stop the EOS token.
const FINISH_REASONS = {
  stop: 'eos_token',
  length: 'length',
  tool_calls: 'eos_token',
  content_filter: 'eos_token',
} as const satisfies Record<FinishReason, TgiFinishReason>;

export function tgiFinishReason(
  reason: FinishReason | null,
  stopSequence: string | undefined,
): TgiFinishReason {
  if (reason === 'stop' && stopSequence !== undefined) return 'stop_sequence';
  return FINISH_REASONS[reason ?? 'stop'];
}

/** lib.rs `Token`; `logprob` is null where the engine gave none (TGI writes NaN as null too). */
export interface TgiToken {
  id: number;
  text: string;
  logprob: number | null;
  special: boolean;
}

/**
 * Switchyard relays text, never token ids, so every token it shows has id 0. A number keeps
 * TGI's clients (which type it `number`/`int`) parsing; 0 means "unknown" here, not a vocabulary entry.
 */
export const UNKNOWN_TOKEN_ID = 0;

export const textToken = (text: string, logprob: number | null = null): TgiToken => ({
  id: UNKNOWN_TOKEN_ID,
  text,
  logprob,
  special: false,
});

/**
 * The stream's last event always carries a token. When no stop string needs showing, it is an
 * end-of-sequence marker: special (clients skip special tokens) and empty.
 */
export const END_TOKEN: TgiToken = { id: UNKNOWN_TOKEN_ID, text: '', logprob: null, special: true };

export const tokenOf = (lp: TokenLogprob): TgiToken => textToken(lp.token, lp.logprob);

/** `top_n_tokens` alternatives at one position. */
export function topTokensOf(lp: TokenLogprob | undefined, topN: number): TgiToken[] {
  if (lp === undefined || topN === 0) return [];
  return lp.top.slice(0, topN).map((alt) => textToken(alt.token, alt.logprob));
}

/** One position of generated text with what is known about it. */
export interface TgiPiece {
  token: TgiToken;
  top: TgiToken[];
}

/**
 * The tokens of one canonical delta. With logprobs whose texts make up the delta, one piece per
 * token; otherwise the delta is one piece (an engine may send several tokens' text at once).
 */
export function piecesOf(
  text: string,
  logprobs: readonly TokenLogprob[],
  topN: number,
): TgiPiece[] {
  if (logprobs.length > 0 && logprobs.map((lp) => lp.token).join('') === text) {
    return logprobs.map((lp) => ({ token: tokenOf(lp), top: topTokensOf(lp, topN) }));
  }
  if (text === '') return [];
  const only = logprobs.length === 1 ? logprobs[0] : undefined;
  return [{ token: textToken(text, only?.logprob ?? null), top: topTokensOf(only, topN) }];
}
