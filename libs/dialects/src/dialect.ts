import type { InferenceRequest, StreamEvent, SwitchyardError } from '@switchyard/contracts';
import type { CollectedResult } from './collect';

/**
 * A client dialect: how one family of client APIs (OpenAI, Ollama, TGI, Anthropic, …)
 * parses requests and renders responses, streams and errors. Pure: no I/O.
 */

export type DialectId = 'openai' | 'anthropic' | 'ollama';

/** Facts the gateway knows when it parses a request. */
export interface ParseContext {
  /** Id the gateway assigned to this request. */
  requestId: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
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

/** One inference route of a dialect. */
export interface InferenceRoute {
  method: 'POST';
  /** Path under the dialect's mount, e.g. `/v1/chat/completions`. */
  path: string;
  /** Parses and validates the body; throws SwitchyardError (SY_BAD_REQUEST with `param`). */
  parse(body: unknown, ctx: ParseContext): InferenceRequest;
  /** Content type of the streamed response. */
  streamContentType: string;
  createStreamEncoder(req: InferenceRequest, meta: ResponseMeta): StreamEncoder;
  /** The whole non-streamed response body. */
  respond(req: InferenceRequest, result: CollectedResult, meta: ResponseMeta): unknown;
}

export interface Dialect {
  readonly id: DialectId;
  readonly routes: readonly InferenceRoute[];
  renderError(err: SwitchyardError): RenderedError;
}
