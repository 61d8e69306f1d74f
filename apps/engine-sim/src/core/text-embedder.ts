import { fnv1a, mulberry32 } from './prng';
import { splitPieces } from './tokenizer';

/**
 * Deterministic embeddings: the normalised sum of one pseudo-random vector per word piece (case
 * and spacing ignored), so the same text always maps to the same unit vector and texts that
 * share words point in similar directions. Components are float32, as engines return them.
 */
export function embedText(model: string, text: string, dim: number): number[] {
  const sum = new Float64Array(dim);
  const words = splitPieces(text)
    .map((piece) => piece.trim().toLowerCase())
    .filter((word) => word !== '');
  for (const word of words.length > 0 ? words : ['']) addWordVector(sum, model, word);
  let norm = 0;
  for (const value of sum) norm += value * value;
  norm = Math.sqrt(norm);
  // Words can cancel out only in theory; a zero sum still gets a valid unit vector.
  if (norm === 0) return Array.from(sum, (_, i) => (i === 0 ? 1 : 0));
  return Array.from(sum, (value) => Math.fround(value / norm));
}

function addWordVector(sum: Float64Array, model: string, word: string): void {
  const random = mulberry32(fnv1a(`${model}\u0000${word}`));
  for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] ?? 0) + random() * 2 - 1;
}
