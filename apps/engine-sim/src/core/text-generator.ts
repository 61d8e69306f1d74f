import { fnv1a, mulberry32, pick } from './prng';
import { EOS_ID, pieceId } from './tokenizer';
import {
  CLAUSE_BREAKS,
  PARAGRAPH_BREAK,
  SENTENCE_ENDS,
  SENTENCE_STARTERS,
  WORDS,
} from './vocabulary';

/** The seed an engine uses when the request names none (llama.cpp's `LLAMA_DEFAULT_SEED`). */
export const DEFAULT_SEED = 4294967295;

/** Natural answers end with EOS after this many tokens, give or take one. */
const MIN_NATURAL_TOKENS = 9;
const MAX_NATURAL_TOKENS = 60;
/** A reasoning model thinks for about this many tokens before it answers. */
const MIN_THOUGHT_TOKENS = 8;
const MAX_THOUGHT_TOKENS = 40;
/** Decorrelates the thoughts from the answer planned with the same key. */
const THOUGHT_SALT = 0x5bd1e995;

export interface PlannedToken {
  readonly id: number;
  /** Text the token renders to; empty for the end-of-generation token. */
  readonly text: string;
  /** End of generation: the model's EOS, decoded like any token but never shown. */
  readonly eog: boolean;
}

export interface CompletionPlan {
  /** Every decode step in order; ends with the EOS token when `finish` is `eos`. */
  readonly tokens: readonly PlannedToken[];
  readonly finish: 'eos' | 'limit';
  /** Hash of (model, prompt, seed): seeds anything else that must be reproducible (logprobs). */
  readonly key: number;
}

export interface PlanInput {
  model: string;
  prompt: string;
  seed?: number;
  /** Cap on decode steps; absent or negative means none. */
  maxTokens?: number;
  /** Keep generating past the natural end (needs a finite `maxTokens`). */
  ignoreEos?: boolean;
}

export const EOS_TOKEN: PlannedToken = { id: EOS_ID, text: '', eog: true };

const END = Symbol('eos');

/**
 * Plans a whole completion. The pieces are a pure function of (model, prompt, seed); the cap
 * only truncates them, so a shorter `maxTokens` always yields a prefix of a longer one.
 */
export function planCompletion(input: PlanInput): CompletionPlan {
  const limit = input.maxTokens === undefined || input.maxTokens < 0 ? Infinity : input.maxTokens;
  if (input.ignoreEos && limit === Infinity) {
    throw new RangeError('planCompletion: ignoreEos needs a finite maxTokens');
  }
  const key = planKey(input);
  const random = mulberry32(key);
  const naturalLength =
    MIN_NATURAL_TOKENS + Math.floor(random() * (MAX_NATURAL_TOKENS - MIN_NATURAL_TOKENS + 1));
  const continuesText = input.prompt.length > 0 && !/\s$/.test(input.prompt);

  const tokens: PlannedToken[] = [];
  for (const piece of speak(random, naturalLength, continuesText)) {
    if (tokens.length >= limit) return { tokens, finish: 'limit', key };
    if (piece === END) {
      if (input.ignoreEos) continue;
      tokens.push(EOS_TOKEN);
      return { tokens, finish: 'eos', key };
    }
    tokens.push({ id: pieceId(piece), text: piece, eog: false });
  }
  return { tokens, finish: 'limit', key };
}

/** Hash of (model, prompt, seed) that seeds everything reproducible about one choice. */
export function planKey(input: Pick<PlanInput, 'model' | 'prompt' | 'seed'>): number {
  return fnv1a(`${input.model}\u0000${input.prompt}\u0000${input.seed ?? DEFAULT_SEED}`);
}

/** The reasoning a thinking model produces before its answer, a pure function of the plan key. */
export function planThoughts(key: number): PlannedToken[] {
  const random = mulberry32((key ^ THOUGHT_SALT) >>> 0);
  const naturalLength =
    MIN_THOUGHT_TOKENS + Math.floor(random() * (MAX_THOUGHT_TOKENS - MIN_THOUGHT_TOKENS + 1));
  const tokens: PlannedToken[] = [];
  for (const piece of speak(random, naturalLength, false)) {
    if (piece === END) return tokens;
    tokens.push({ id: pieceId(piece), text: piece, eog: false });
  }
  return tokens;
}

/** The generated token strings (EOS excluded) for a request; their concatenation is the answer. */
export function generateTokens(input: {
  model: string;
  prompt: string;
  seed?: number;
  maxTokens?: number;
}): { tokens: string[]; finish: 'eos' | 'limit' } {
  const plan = planCompletion(input);
  return { tokens: plan.tokens.filter((t) => !t.eog).map((t) => t.text), finish: plan.finish };
}

/**
 * Sentences of 4 to 14 words with the odd clause break and paragraph; the end of generation
 * comes at the first sentence end once about `naturalLength` pieces were spoken.
 */
function* speak(
  random: () => number,
  naturalLength: number,
  continuesText: boolean,
): Generator<string | typeof END, never> {
  let spoken = 0;
  let leadingSpace = continuesText;
  for (;;) {
    const starter = pick(SENTENCE_STARTERS, random());
    yield leadingSpace ? ` ${starter}` : starter;
    spoken++;
    leadingSpace = true;
    const sentenceWords = 4 + Math.floor(random() * 11);
    let words = 1;
    let justBroke = false;
    const mayEnd = (): boolean => words >= 2 && !justBroke;
    while (words < sentenceWords && !(spoken >= naturalLength - 1 && mayEnd())) {
      if (!justBroke && words >= 3 && words < sentenceWords - 1 && random() < 0.1) {
        yield pick(CLAUSE_BREAKS, random());
        justBroke = true;
      } else {
        yield pick(WORDS, random());
        words++;
        justBroke = false;
      }
      spoken++;
    }
    yield pick(SENTENCE_ENDS, random());
    spoken++;
    if (spoken >= naturalLength - 1) yield END;
    if (random() < 0.12) {
      yield PARAGRAPH_BREAK;
      spoken++;
      leadingSpace = false;
    }
  }
}
