/**
 * OpenAI's `dimensions`: the first `dimensions` components, scaled back to the whole vector's
 * length. OpenAI returns shortened embeddings normalised (its embeddings guide), and clients
 * take dot products of unit vectors as cosine similarity; an engine's unnormalised vectors keep
 * their length the same way.
 */
export function shortenVector(vector: readonly number[], dimensions: number): number[] {
  if (dimensions >= vector.length) return [...vector];
  const kept = vector.slice(0, dimensions);
  const whole = norm(vector);
  const part = norm(kept);
  // All-zero leading components cannot be rescaled; they are returned as they are.
  return part === 0 ? kept : kept.map((v) => (v * whole) / part);
}

// A loop rather than Math.hypot(...v): vectors may be longer than a call's argument limit.
function norm(vector: readonly number[]): number {
  let sum = 0;
  for (const v of vector) sum += v * v;
  return Math.sqrt(sum);
}
