import type { InferenceRequest } from '@switchyard/contracts';

/**
 * What a dialect's encoder needs to know about a request that the canonical request does not
 * carry (TGI's `return_full_text`, KServe's request `id`, …), attached to the request itself.
 *
 * Stored under a symbol key, so it survives the copies the gateway makes (`{...req, model}`
 * when an alias or `auto` is resolved) yet never reaches an engine: the job is JSON, and JSON
 * has no symbol keys. A WeakMap keyed by the parsed object would lose the facts on that copy.
 */
export interface FactsSlot<F> {
  /** Returns `req` with the facts attached. */
  attach<R extends InferenceRequest>(req: R, facts: F): R;
  /** The facts the dialect's parser attached, if this request came from that parser. */
  read(req: InferenceRequest): F | undefined;
}

export function factsSlot<F>(dialect: string): FactsSlot<F> {
  const key = Symbol(`${dialect} request facts`);
  return {
    attach: (req, facts) => Object.assign(req, { [key]: facts }),
    read: (req) => (req as unknown as Partial<Record<symbol, F>>)[key],
  };
}
