/**
 * Lenient field readers with the semantics of llama.cpp's `json_value(body, key, default)`:
 * a missing, null or wrongly typed field falls back to the default instead of failing.
 */

export type Body = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is Body {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function readNumber(body: Body, key: string, fallback: number): number {
  const value = body[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function readInt(body: Body, key: string, fallback: number): number {
  return Math.trunc(readNumber(body, key, fallback));
}

export function readBool(body: Body, key: string, fallback: boolean): boolean {
  const value = body[key];
  return typeof value === 'boolean' ? value : fallback;
}

export function readString(body: Body, key: string, fallback: string): string {
  const value = body[key];
  return typeof value === 'string' ? value : fallback;
}

export function readStrings(
  body: Body,
  key: string,
  fallback: readonly string[],
): readonly string[] {
  const value = body[key];
  return isStringArray(value) ? value : fallback;
}

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function readRecord(body: Body, key: string): Body {
  const value = body[key];
  return isRecord(value) ? value : {};
}

/** A string or a list of strings (the OpenAI `stop` field), as a list. */
export function readStringOrStrings(body: Body, key: string): readonly string[] {
  const value = body[key];
  return typeof value === 'string' ? [value] : readStrings(body, key, []);
}
