import type { InferenceRequest } from '@switchyard/contracts';

/**
 * What the Ollama wire needs about a request that the canonical request does not carry.
 * Kept inside the dialect because `extra` is forwarded to engines.
 *
 * - `receivedNs`: when the body was parsed, so a non-streamed answer can report
 *   `total_duration` (`respond()` sees no timings).
 * - `load`: Ollama answers an empty prompt / empty `messages` / empty embedding `input` by
 *   loading the model (`done_reason:"load"`, or `"unload"` with `keep_alive: 0`; `/api/embed`
 *   answers `{"embeddings":[]}`) without generating. The dialect contract has no short answer,
 *   so such a request runs as a tiny probe (it still proves a node serves the model, or fails
 *   with the 404/503 a real load would) and the route renders the load answer instead of the
 *   probe's output.
 */
export type LoadAnswer = 'load' | 'unload';

export interface RequestFacts {
  receivedNs: bigint;
  load?: LoadAnswer;
}

/**
 * Keyed by the request's `sampling` object rather than the request itself: the gateway hands
 * the encoder a shallow copy when it rewrites `model` (an alias such as `llama3:latest` → the
 * canonical name), and a shallow copy shares `sampling`.
 */
const facts = new WeakMap<object, RequestFacts>();

export function remember<R extends InferenceRequest>(req: R, f: RequestFacts): R {
  facts.set(req.sampling, f);
  return req;
}

export function factsOf(req: InferenceRequest): RequestFacts | undefined {
  return facts.get(req.sampling);
}

/** `keep_alive` of 0 (a number, or a zero Go duration such as "0", "0s", "0m") unloads. */
export function isUnload(keepAlive: number | string | null | undefined): boolean {
  if (typeof keepAlive === 'number') return keepAlive === 0;
  return typeof keepAlive === 'string' && /^0+(\.0*)?([a-zµ]+)?$/i.test(keepAlive.trim());
}
