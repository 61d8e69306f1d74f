import type { Rng } from './prng';

/**
 * Filler text of an exact token count for the sims' tokenizer, where a word of at most ten
 * letters with its leading space is one token. Words are made of syllables so that prompts
 * drawn with different seeds share no prefix beyond the chat template.
 */
const ONSETS = ['b', 'd', 'f', 'g', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z'];
const VOWELS = ['a', 'e', 'i', 'o', 'u'];

function word(rng: Rng): string {
  let w = '';
  const syllables = rng.int(1, 4);
  for (let i = 0; i < syllables; i++) w += rng.pick(ONSETS) + rng.pick(VOWELS);
  return w;
}

/** `tokens` words separated by single spaces (one token each), starting with a capital. */
export function words(rng: Rng, tokens: number): string {
  const out: string[] = [];
  for (let i = 0; i < tokens; i++) out.push(word(rng));
  const text = out.join(' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
