import type { InferenceRequest } from '@switchyard/contracts';

/**
 * What the Ollama wire needs about a request that the canonical request does not carry.
 * Kept inside the dialect, keyed by the parsed request object, because `extra` is forwarded
 * to engines.
 *
 * - `receivedNs`: when the body was parsed, so a non-streamed answer can report
 *   `total_duration` (`respond()` sees no timings).
 * - `load`: Ollama answers an empty prompt / empty `messages` by loading the model
 *   (`done_reason:"load"`, or `"unload"` with `keep_alive: 0`) without generating. The
 *   dialect contract has no short answer, so such a request runs as a one-token probe (it
 *   still proves a node serves the model, or fails with the 404/503 a real load would) and
 *   the encoders render the load answer instead of the probe's output.
 */
export type LoadAnswer = 'load' | 'unload';

export interface RequestFacts {
  receivedNs: bigint;
  load?: LoadAnswer;
}

const facts = new WeakMap<InferenceRequest, RequestFacts>();

export function remember<R extends InferenceRequest>(req: R, f: RequestFacts): R {
  facts.set(req, f);
  return req;
}

export function factsOf(req: InferenceRequest): RequestFacts | undefined {
  return facts.get(req);
}

/** `keep_alive` of 0 (a number, or a zero Go duration such as "0", "0s", "0m") unloads. */
export function isUnload(keepAlive: number | string | null | undefined): boolean {
  if (typeof keepAlive === 'number') return keepAlive === 0;
  return typeof keepAlive === 'string' && /^0+(\.0*)?([a-zµ]+)?$/i.test(keepAlive.trim());
}
