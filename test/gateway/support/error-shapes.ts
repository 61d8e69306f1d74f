/*
 * The error body each dialect's clients read (libs/dialects/src/<dialect>/*.errors.ts), as
 * predicates: a test that checks "every error is in the dialect's shape" uses these.
 */
import type { DialectId } from '@switchyard/dialects';

/** The value at `path` inside `value`, or undefined. */
function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;

export type ErrorShape = 'openai' | 'anthropic' | 'flat' | 'tgi';

export const ERROR_SHAPES: Readonly<Record<ErrorShape, (body: unknown) => boolean>> = {
  /** `{"error":{"message","type","param","code"}}` */
  openai: (b) => isText(at(b, 'error', 'message')) && isText(at(b, 'error', 'type')),
  /** `{"type":"error","error":{"type","message"}}` */
  anthropic: (b) =>
    at(b, 'type') === 'error' &&
    isText(at(b, 'error', 'type')) &&
    isText(at(b, 'error', 'message')),
  /** `{"error":"…"}` (Ollama, vLLM demo, KServe/Triton) */
  flat: (b) => isText(at(b, 'error')),
  /** `{"error":"…","error_type":"…"}` */
  tgi: (b) => isText(at(b, 'error')) && isText(at(b, 'error_type')),
};

export const DIALECT_SHAPES: Readonly<Record<DialectId, ErrorShape>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  ollama: 'flat',
  tgi: 'tgi',
  vllm: 'flat',
  kserve: 'flat',
  mindie: 'tgi',
};
