import { SimError } from './sim-errors';
import { tokenize } from './tokenizer';

/** One prompt of a request: its text and the token ids the generator keys on. */
export interface PromptInput {
  readonly text: string;
  readonly tokens: readonly number[];
  /** Set when the prompt continues an assistant message (see `chatPrompt`). */
  readonly continues?: Continuation;
}

/**
 * A prompt that ends inside an assistant turn: the conversation before it (`basePrompt`,
 * generation prompt included) followed by the turn's text so far (`prefix`).
 */
export interface Continuation {
  readonly basePrompt: string;
  readonly prefix: string;
}

export const textPrompt = (text: string): PromptInput => ({ text, tokens: tokenize(text, true) });

// Token ids cannot be turned back into text without a vocabulary; the generator keys on them.
export const tokenPrompt = (tokens: readonly number[]): PromptInput => ({
  text: tokens.join(' '),
  tokens,
});

export function isTokenArray(value: unknown): value is readonly number[] {
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number');
}

/** A prompt string, a token array, or a list of either (one result per prompt). */
export function promptList(prompt: unknown): PromptInput[] {
  if (typeof prompt === 'string') return [textPrompt(prompt)];
  if (isTokenArray(prompt)) return [tokenPrompt(prompt)];
  if (Array.isArray(prompt) && prompt.length > 0) {
    return prompt.map((item: unknown) => {
      if (typeof item === 'string') return textPrompt(item);
      if (isTokenArray(item)) return tokenPrompt(item);
      throw new SimError('invalid_request', 'prompt must be a string or a list of tokens');
    });
  }
  throw new SimError('invalid_request', 'prompt must be a string or a list of tokens');
}
