import { fnv1a } from './prng';

/**
 * A deterministic stand-in for a SentencePiece tokenizer: words (with their leading space),
 * single digits, single symbols, line breaks (one or two) and space runs each count as one
 * token, and long words split every 10 letters, which lands near the ~4 characters per token of
 * real English text.
 * Ids are hashes of the piece, so the generator and `/tokenize` agree without a vocabulary file.
 */

export const UNK_ID = 0;
export const BOS_ID = 1;
export const EOS_ID = 2;
export const N_VOCAB = 32000;

export const BOS_PIECE = '<s>';
export const EOS_PIECE = '</s>';
/** Reasoning delimiters, single tokens as in reasoning models' vocabularies. */
export const THINK_OPEN_PIECE = '<think>';
export const THINK_CLOSE_PIECE = '</think>';

const SPECIAL_IDS: ReadonlyMap<string, number> = new Map([
  ['<unk>', UNK_ID],
  [BOS_PIECE, BOS_ID],
  [EOS_PIECE, EOS_ID],
  ['<|im_start|>', N_VOCAB - 2],
  ['<|im_end|>', N_VOCAB - 1],
  // The byte-fallback ids of 0xFE and 0xFF, bytes that never occur in UTF-8 text, so they are free.
  [THINK_OPEN_PIECE, 257],
  [THINK_CLOSE_PIECE, 258],
]);

// Ids below 259 are control and byte-fallback tokens in a llama vocabulary.
const FIRST_PIECE_ID = 259;
const PIECE_ID_RANGE = N_VOCAB - 2 - FIRST_PIECE_ID;

const PIECE_PATTERN =
  /<\|im_start\|>|<\|im_end\|>|<\/?think>|<\/?s>|<unk>| ?[A-Za-z]{1,10}| ?\d| ?[^\s\dA-Za-z]|\n\n?|[^\S\n]+/gu;

/** Splits text into pieces whose concatenation is the text itself. */
export function splitPieces(text: string): string[] {
  return text.match(PIECE_PATTERN) ?? [];
}

export function pieceId(piece: string): number {
  return SPECIAL_IDS.get(piece) ?? FIRST_PIECE_ID + (fnv1a(piece) % PIECE_ID_RANGE);
}

export function tokenize(text: string, addBos = false): number[] {
  const ids = splitPieces(text).map(pieceId);
  return addBos ? [BOS_ID, ...ids] : ids;
}

export function countTokens(text: string): number {
  return splitPieces(text).length;
}

/** UTF-8 bytes of a piece, as engines report them next to logprobs. */
export function pieceBytes(piece: string): number[] {
  return Array.from(Buffer.from(piece, 'utf8'));
}
