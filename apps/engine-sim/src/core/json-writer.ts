/**
 * JSON text the way C++ engines print it (nlohmann::json `dump()`, used by llama.cpp): keys in
 * insertion order, no spaces, raw UTF-8, and floating-point fields always shown as floats
 * (`1.0`, `0.0`, `1e-05`) even when their value is whole. JavaScript has one number type, so
 * float fields are wrapped with {@link f64} / {@link f32}; bare numbers print as integers when
 * whole.
 */

export class JsonFloat {
  constructor(readonly value: number) {}
}

export type JsonValue =
  null | boolean | number | string | JsonFloat | readonly JsonValue[] | JsonObject;

/** Keys whose value is `undefined` are left out. */
export interface JsonObject {
  readonly [key: string]: JsonValue | undefined;
}

/** A C++ `double` field. */
export const f64 = (value: number): JsonFloat => new JsonFloat(value);

/** A C++ `float` field: the value is rounded to float32 first, then printed as a double. */
export const f32 = (value: number): JsonFloat => new JsonFloat(Math.fround(value));

export function dumpJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number')
    return Number.isInteger(value) ? String(value) : formatDouble(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonFloat) return formatDouble(value.value);
  if (isArray(value)) return `[${value.map(dumpJson).join(',')}]`;
  const members: string[] = [];
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) members.push(`${JSON.stringify(key)}:${dumpJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

function isArray(value: JsonValue): value is readonly JsonValue[] {
  return Array.isArray(value);
}

// nlohmann::detail::to_chars: fixed notation for decimal exponents in (-4, 15], else scientific.
const MIN_EXP = -4;
const MAX_EXP = 15;

/** Shortest round-trip digits, laid out like nlohmann::json's `format_buffer`. */
export function formatDouble(value: number): string {
  if (!Number.isFinite(value)) return 'null';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa = '0', exponent = '0'] = Math.abs(value).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const k = digits.length;
  const n = Number(exponent) + 1;
  if (k <= n && n <= MAX_EXP) return `${sign}${digits}${'0'.repeat(n - k)}.0`;
  if (n > 0 && n <= MAX_EXP) return `${sign}${digits.slice(0, n)}.${digits.slice(n)}`;
  if (n > MIN_EXP && n <= 0) return `${sign}0.${'0'.repeat(-n)}${digits}`;
  const e = n - 1;
  const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return k === 1 ? `${sign}${digits}e${exp}` : `${sign}${digits[0]}.${digits.slice(1)}e${exp}`;
}
