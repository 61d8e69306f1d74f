/** Value conventions shared by the vendor tool parsers. */

/** nvidia-smi `MiB` and npu-smi `MB` are both binary megabytes (HBM of 65536 MB is 64 GiB). */
export const MIB = 1024 * 1024;

/**
 * Spellings vendor tools use for "no value": nvidia-smi brackets (`[N/A]`, `[Not Supported]`,
 * `[GPU is lost]` …) even with `nounits`, npu-smi `NA` and `-`.
 */
const ABSENT = /^(?:\[.*\]|n\/a|na|-+|)$/i;

export function isAbsent(raw: string | undefined): boolean {
  return raw === undefined || ABSENT.test(raw.trim());
}

/** A number as the tool printed it, or null when it printed any form of "no value". */
export function readNumber(raw: string | undefined): number | null {
  if (raw === undefined || isAbsent(raw)) return null;
  const value = Number(raw.trim());
  return Number.isFinite(value) ? value : null;
}

/** A whole number (ids, chip indices), or null. */
export function readInteger(raw: string | undefined): number | null {
  const value = readNumber(raw);
  return value !== null && Number.isInteger(value) ? value : null;
}

/** Percent 0..100 → ratio 0..1, clamped because tools occasionally overshoot by a rounding step. */
export function percentToRatio(percent: number | null): number | null {
  if (percent === null) return null;
  return Math.min(1, Math.max(0, percent / 100));
}

export function mibToBytes(mib: number | null): number | null {
  return mib === null ? null : Math.round(mib * MIB);
}

/** Splits text into trimmed lines whatever the line ending (tools run under Windows print CRLF). */
export function outputLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((line) => line.trim());
}
