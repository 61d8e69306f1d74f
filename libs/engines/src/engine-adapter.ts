import type {
  ErrorCode,
  EngineKind,
  GenerationRequest,
  NodeLoad,
  StreamEvent,
} from '@switchyard/contracts';

/**
 * An engine adapter is pure mapping between the canonical contract and one engine's HTTP
 * API: no I/O, no timers. All I/O lives in the worker-agent's engine client.
 */

/** One HTTP call to the engine, relative to its base URL. */
export interface EngineCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How the engine frames its streamed response body. */
export type StreamFraming = 'sse' | 'ndjson';

/**
 * Turns the engine's stream records into canonical events. One parser per request.
 * Emits only `delta`, `usage`, `done` and `error` (the worker adds `start` and sequence numbers).
 */
export interface EngineStreamParser {
  /** One framed record: an SSE `data` payload or one NDJSON line. */
  push(record: string): StreamEvent[];
  /**
   * The engine closed the body. Returns trailing events; if no terminal event was produced
   * yet, the last one returned must be terminal (`done` when the engine's protocol ends by
   * closing, `error` SY_STREAM_INTERRUPTED when the close was premature).
   */
  end(): StreamEvent[];
}

/**
 * Which listener of the engine an endpoint lives on. Most engines serve everything on one
 * address; MindIE keeps health on a management port and metrics on a third. The worker is
 * given one base URL per plane, each defaulting to the inference URL.
 */
export type EnginePlane = 'inference' | 'management' | 'metrics';

export interface EngineEndpoint {
  plane: EnginePlane;
  path: string;
}

/**
 * Cumulative counters an engine exposes; the worker turns successive readings into rates
 * over a window, the same way for every engine. A counter the engine lacks is omitted.
 */
export interface EngineCounters {
  promptTokensTotal: number;
  generationTokensTotal: number;
  prefixCacheQueriesTotal: number;
  prefixCacheHitsTotal: number;
  /** Sum and count of the time-to-first-token histogram, seconds. */
  ttftSecondsSum: number;
  ttftCount: number;
  /** Requests that finished with a usage report (their output is in generationTokensTotal). */
  completedRequestsTotal: number;
  /** Tokens decoded after each request's first, and the seconds that took (first → last token). */
  decodeTokensTotal: number;
  decodeSecondsSum: number;
  /**
   * Requests that produced a first token, with sums over them of x = uncached prompt tokens
   * and y = seconds to the first token, and of x², x·y: enough for a least-squares line
   * y = overhead + x / speed over any window of them.
   */
  prefillCount: number;
  prefillTokensTotal: number;
  prefillSecondsSum: number;
  prefillTokensSquaredSum: number;
  prefillTokenSecondsSum: number;
}

/** Embeddings, for engines that have them. */
export interface EmbeddingCodec {
  build(model: string, input: readonly string[]): EngineCall;
  /** One vector per input, in input order. */
  parse(body: unknown): { vectors: number[][]; promptTokens: number | null };
}

export interface HealthVerdict {
  ready: boolean;
  /** Why not ready, in an operator's words (`loading model`, `HTTP 500`). */
  reason?: string;
}

export interface EngineAdapter {
  readonly kind: EngineKind;
  /** Builds the (always streaming) generation call for a request. */
  buildRequest(req: GenerationRequest): EngineCall;
  readonly streamFraming: StreamFraming;
  createStreamParser(req: GenerationRequest): EngineStreamParser;
  /** Maps an engine error response (status and raw body) to a canonical code and message. */
  parseError(status: number, body: string): { code: ErrorCode; message: string };

  readonly health: EngineEndpoint;
  interpretHealth(status: number, body: string): HealthVerdict;

  readonly models: EngineEndpoint;
  /** Model ids from the engine's model listing body (already JSON-parsed). */
  parseModels(body: unknown): string[];

  /** Endpoints scraped for load, by name; `parseLoad` receives their bodies under the same names. */
  readonly loadSources: Readonly<Record<string, EngineEndpoint>>;
  /** Normalises scraped bodies into load figures; a missing body or figure is omitted / null. */
  parseLoad(bodies: Readonly<Record<string, string | undefined>>): Partial<NodeLoad>;
  /** Cumulative counters from the same bodies, for windowed rates. */
  parseCounters?(bodies: Readonly<Record<string, string | undefined>>): Partial<EngineCounters>;
  readonly embeddings?: EmbeddingCodec;
  /**
   * Whether a chat whose last message is a cut-short assistant turn (`continueFinalMessage`)
   * is continued by this engine, streaming only the added text. False: such a request must
   * not be sent here (placement keeps it away).
   */
  readonly continuesChat: boolean;
}
