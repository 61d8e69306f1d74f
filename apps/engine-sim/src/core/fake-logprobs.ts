import { mulberry32, pick } from './prng';
import type { PlannedToken } from './text-generator';
import { pieceId } from './tokenizer';
import { WORDS } from './vocabulary';

export interface TokenProb {
  readonly id: number;
  readonly text: string;
  /** Natural log of the probability, rounded to float32 as engines compute it. */
  readonly logprob: number;
}

export interface TokenProbs {
  readonly chosen: TokenProb;
  /** Best first; the chosen token leads, as with greedy-ish sampling. */
  readonly top: readonly TokenProb[];
}

/**
 * Plausible, reproducible probabilities for one decoded token: the chosen token holds
 * 50–95 % of the mass and `n - 1` other words share part of the rest.
 */
export function fakeTokenProbs(
  planKey: number,
  step: number,
  token: PlannedToken,
  n: number,
): TokenProbs {
  const random = mulberry32((planKey ^ Math.imul(step + 1, 0x9e3779b1)) >>> 0);
  const chosenP = 0.5 + 0.45 * random();
  const chosen: TokenProb = {
    id: token.id,
    text: token.text,
    logprob: Math.fround(Math.log(chosenP)),
  };

  const used = new Set([token.text]);
  const others: { text: string; p: number }[] = [];
  let rest = 1 - chosenP;
  while (others.length < n - 1 && used.size < WORDS.length) {
    const text = pick(WORDS, random());
    if (used.has(text)) continue;
    used.add(text);
    const p = rest * (0.2 + 0.5 * random());
    rest -= p;
    others.push({ text, p });
  }
  others.sort((a, b) => b.p - a.p);
  const alternatives = others.map(({ text, p }) => ({
    id: pieceId(text),
    text,
    logprob: Math.fround(Math.log(p)),
  }));
  return { chosen, top: [chosen, ...alternatives].slice(0, n) };
}
