import type { InferenceRequest, StreamEvent, SwitchyardError } from '@switchyard/contracts';
import type { ModelCatalog } from './catalog';
import type { CollectedResult } from './collect';
import type { LimitParams } from './limits';

/**
 * A client dialect: how one family of client APIs (OpenAI, Ollama, TGI, Anthropic, …)
 * parses requests and renders responses, streams and errors. Pure: no I/O.
 */

export type DialectId = 'openai' | 'anthropic' | 'ollama' | 'tgi' | 'vllm' | 'kserve' | 'mindie';

/** Facts the gateway knows when it parses a request. */
export interface ParseContext {
  /** Id the gateway assigned to this request. */
  requestId: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Path parameters of the route (`:name` in `/v2/models/:name/generate`). */
  params?: Readonly<Record<string, string>>;
}

/** What the encoder may show the client about where the request ran. */
export interface ResponseMeta {
  requestId: string;
  /** Model name to report (the one actually used). */
  model: string;
  /** Unix seconds, identical on every chunk of one response. */
  created: number;
}

/** An error rendered before any byte of the response was sent. */
export interface RenderedError {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/**
 * Encodes one streamed response. Each method returns the exact bytes to write next
 * ('' when the event has no representation in this dialect).
 */
export interface StreamEncoder {
  event(e: StreamEvent): string;
  /** An in-band error frame after headers were sent; the gateway ends the stream after it. */
  error(err: SwitchyardError): string;
  /** Bytes after the terminal `done` event (e.g. `data: [DONE]`). */
  end(): string;
}

/**
 * What a route's parser produces: the canonical request, and the facts about it that only the
 * route's own encoders need (TGI's `return_full_text`, KServe's request `id`, …) and that the
 * canonical request does not carry. The facts stay in the gateway, so they never reach an
 * engine, and no copy of the request the gateway makes (alias resolution, routing) loses them.
 */
export interface ParsedRequest<F, R extends InferenceRequest = InferenceRequest> {
  request: R;
  facts: F;
}

/** The part of an inference route that does not depend on its facts. */
export interface InferenceRouteShape {
  method: 'POST';
  /** Path under the dialect's mount, e.g. `/v1/chat/completions`; `:name` marks a parameter. */
  path: string;
  /**
   * For paths two dialects share (TGI's and vLLM's `/generate`): whether this route takes the
   * body. The gateway tries the sharing routes in table order; the first that claims it wins,
   * else the first route.
   */
  claims?(body: unknown): boolean;
  /** Content type of the streamed response. */
  streamContentType: string;
  /** The client's names of the fields the request caps look at, where not OpenAI's. */
  limitParams?: LimitParams;
}

/**
 * One inference route of a dialect. `F` is the facts its parser returns beside the request;
 * a route that needs none keeps the default, `undefined`. The gateway hands every encoder the
 * facts that the same route's `parse` returned for the same request, and the request it hands
 * them is that request, possibly with `model` resolved and routing fields filled in.
 */
export interface InferenceRoute<F = undefined> extends InferenceRouteShape {
  /** Parses and validates the body; throws SwitchyardError (SY_BAD_REQUEST with `param`). */
  parse(body: unknown, ctx: ParseContext): ParsedRequest<F>;
  createStreamEncoder(req: InferenceRequest, meta: ResponseMeta, facts: F): StreamEncoder;
  /** The whole non-streamed response body. */
  respond(req: InferenceRequest, result: CollectedResult, meta: ResponseMeta, facts: F): unknown;
  /** Extra headers on a non-streamed response (TGI's `x-generated-tokens`, …). */
  responseHeaders?(
    req: InferenceRequest,
    result: CollectedResult,
    meta: ResponseMeta,
    facts: F,
  ): Record<string, string>;
}

/**
 * An inference route whose facts type is hidden, so routes with different facts share one
 * table. Its facts-independent fields are read directly; everything that touches facts goes
 * through `open`, which hands the route to a function generic in `F`. Inside that function
 * the only value of type `F` is the one the route's own `parse` returns, so the compiler
 * guarantees the facts handed back to its encoders are that route's own, with no cast. (A
 * plain `InferenceRoute<unknown>` would compile too, but only through method-parameter
 * bivariance, and would accept any value as facts.) Built with {@link anyInferenceRoute}.
 */
export interface AnyInferenceRoute extends InferenceRouteShape {
  open<R>(use: <F>(route: InferenceRoute<F>) => R): R;
}

/** Hides a route's facts type so it fits a dialect's `routes`. */
export function anyInferenceRoute<F>(route: InferenceRoute<F>): AnyInferenceRoute {
  return {
    method: route.method,
    path: route.path,
    claims: route.claims?.bind(route),
    streamContentType: route.streamContentType,
    ...(route.limitParams ? { limitParams: route.limitParams } : {}),
    open: (use) => use(route),
  };
}

/** A request to a non-inference route: listings, metadata, health. */
export interface ApiCall {
  body: unknown;
  params: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  catalog: ModelCatalog;
}

/** The answer of a non-inference route. JSON unless `contentType` says otherwise. */
export interface ApiAnswer {
  status?: number;
  body: unknown;
  contentType?: string;
}

/**
 * A route answered from the gateway's own knowledge (the model catalogue and the cluster
 * view), never by an engine: `/v1/models`, `/api/tags`, `/info`, `/v2/health/ready`, …
 * Throws SwitchyardError for a client error (unknown model → SY_MODEL_NOT_FOUND).
 */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'HEAD';
  path: string;
  handle(call: ApiCall): ApiAnswer;
}

export interface Dialect {
  readonly id: DialectId;
  readonly routes: readonly AnyInferenceRoute[];
  /** Non-inference routes (listings, metadata, health), mounted under the same prefixes. */
  readonly apiRoutes?: readonly ApiRoute[];
  /** `requestId` is the gateway's id for the request, for dialects whose bodies carry it. */
  renderError(err: SwitchyardError, requestId?: string): RenderedError;
}
