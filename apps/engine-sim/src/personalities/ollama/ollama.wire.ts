import { createHash, randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { SimSettings } from '../../core/sim-options';

/**
 * Pieces shared by Ollama's answers (`api/types.go`), printed the way Go's `encoding/json`
 * prints them: struct field order, `omitempty` fields left out, `<`, `>` and `&` escaped.
 */

export const OLLAMA_VERSION = '0.12.6';

/** A JSON value as Go marshals it; `undefined` members are the `omitempty` ones left out. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** `omitempty` on a number: zero is left out. */
export const omitZero = (value: number): number | undefined => (value === 0 ? undefined : value);

/** A `time.Time` in UTC as JSON: RFC 3339 with up to nine fraction digits, zeros trimmed. */
export function goTime(epochMs: number = performance.timeOrigin + performance.now()): string {
  const whole = Math.floor(epochMs / 1000) * 1000;
  const nanos = Math.min(999_999_999, Math.round((epochMs - whole) * 1e6));
  const fraction = nanos === 0 ? '' : `.${String(nanos).padStart(9, '0').replace(/0+$/, '')}`;
  return `${new Date(whole).toISOString().slice(0, 19)}${fraction}Z`;
}

/** Milliseconds as a `time.Duration` in JSON: whole nanoseconds. */
export const nanoseconds = (ms: number): number => Math.max(0, Math.round(ms * 1e6));

/** Ollama resolves a name without a tag to `:latest`, and names ignore case. */
function canonicalName(name: string): string {
  const tagged = /:[^/:]+$/.test(name) ? name : `${name}:latest`;
  return tagged.toLowerCase();
}

export const sameModel = (requested: string, served: string): boolean =>
  canonicalName(requested) === canonicalName(served);

/** The pulled model the simulator pretends to hold: an 8B llama in Q4_K_M. */
const MODEL_BYTES = 4_920_753_328;
/** KV cache of such a model in f16: 32 layers × K and V × 1024 dims × 2 bytes per token. */
const KV_BYTES_PER_TOKEN = 131_072;

export interface ModelIdentity {
  readonly digest: string;
  readonly size: number;
  readonly details: Readonly<Record<string, unknown>>;
}

export function modelIdentity(settings: SimSettings): ModelIdentity {
  return {
    digest: createHash('sha256').update(settings.model).digest('hex'),
    size: MODEL_BYTES,
    details: {
      parent_model: '',
      format: 'gguf',
      family: 'llama',
      families: ['llama'],
      parameter_size: '8.0B',
      quantization_level: 'Q4_K_M',
    },
  };
}

/** What the loaded model occupies: weights plus its KV cache, all in VRAM. */
export const loadedBytes = (settings: SimSettings): number =>
  MODEL_BYTES + settings.kvCacheTokens * KV_BYTES_PER_TOKEN;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** Tool-call ids as Ollama mints them: `call_` and eight lower-case alphanumerics. */
export const toolCallId = (): string =>
  `call_${Array.from({ length: 8 }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join('')}`;
