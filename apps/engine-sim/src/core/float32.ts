/**
 * The number whose shortest decimal text is how Rust (serde_json/ryu) and Go (`FormatFloat(v,
 * 'g', -1, 32)`) print a `float32`: the fewest digits that read back as the same float32, e.g.
 * `-0.3` where printing the float32 as a double would give `-0.30000001192092896`.
 */
export function shortestFloat32(value: number): number {
  const target = Math.fround(value);
  if (!Number.isFinite(target) || target === 0) return target;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(target.toPrecision(digits));
    if (Math.fround(candidate) === target) return candidate;
  }
  // Nine significant digits always round-trip a float32.
  return Number(target.toPrecision(9));
}
