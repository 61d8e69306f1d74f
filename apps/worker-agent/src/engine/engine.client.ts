import { Pool } from 'undici';
import {
  ERROR_CODES,
  SwitchyardError,
  isTerminal,
  type CapabilityName,
  type ErrorCode,
  type ErrorEvent,
  type EmbeddingRequest,
  type GenerationRequest,
  type InferenceRequest,
  type RequestTrace,
  type StreamEvent,
} from '@switchyard/contracts';
import {
  createRecordReader,
  engineErrorEvent,
  type CallKind,
  type EngineAdapter,
  type PlaneCall,
  type EngineCall,
  type EngineEndpoint,
  type EnginePlane,
  type HealthVerdict,
} from '@switchyard/engines';
import { shortenVector } from './embedding-dimensions';

/** The engine's base URL per plane; management and metrics default to the inference URL. */
export type EngineUrls = { inference: string } & Partial<
  Record<Exclude<EnginePlane, 'inference'>, string>
>;

interface PlaneTarget {
  pool: Pool;
  basePath: string;
}

export interface EngineClientOptions {
  /** TCP connect budget. */
  connectTimeoutMs?: number;
  /** Wait for response headers; llama.cpp sends them only after its first result (prompt processed). */
  headersTimeoutMs?: number;
  /** Longest silence allowed between two body chunks. */
  bodyTimeoutMs?: number;
  /** Sockets kept to the engine; unbounded by default so probes never queue behind long streams. */
  connections?: number;
  /** Whole-call budget of health, model and load probes. */
  probeTimeoutMs?: number;
  /** Sent as `Authorization: Bearer` on every call (inference and probes); never logged. */
  apiKey?: string;
}

const DEFAULTS = {
  connectTimeoutMs: 5_000,
  headersTimeoutMs: 300_000,
  bodyTimeoutMs: 120_000,
  probeTimeoutMs: 2_000,
} as const;

/** Failures before any response byte: the engine cannot be reached, so another node may serve the request. */
const CONNECTION_FAILURES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Told when an engine answer proves a capability missing (see EngineAdapter.refusedCapability). */
export type RefusalListener = (capability: CapabilityName, message: string) => void;

/**
 * The worker-agent's only door to its engine: one undici pool, timeouts, cancellation, and
 * the adapter for everything engine-specific. Event messages never name the engine's address.
 */
export class EngineClient {
  private planes: Record<EnginePlane, PlaneTarget>;
  private healthEndpoint: EngineEndpoint;
  private readonly byOrigin = new Map<string, Pool>();
  private readonly pools: Pool[] = [];
  private readonly poolOptions: { connections: number | null };
  private readonly timeouts: Required<Omit<EngineClientOptions, 'connections' | 'apiKey'>>;
  private readonly auth: Record<string, string>;
  private refusalListener: RefusalListener | undefined;

  constructor(
    urls: string | EngineUrls,
    private readonly adapter: EngineAdapter,
    opts: EngineClientOptions = {},
  ) {
    const {
      inference,
      management = inference,
      metrics = inference,
    } = typeof urls === 'string' ? { inference: urls } : urls;
    this.timeouts = {
      connectTimeoutMs: opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs,
      headersTimeoutMs: opts.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs,
      bodyTimeoutMs: opts.bodyTimeoutMs ?? DEFAULTS.bodyTimeoutMs,
      probeTimeoutMs: opts.probeTimeoutMs ?? DEFAULTS.probeTimeoutMs,
    };
    this.auth = opts.apiKey !== undefined ? { authorization: `Bearer ${opts.apiKey}` } : {};
    this.poolOptions = { connections: opts.connections ?? null };
    this.healthEndpoint = adapter.health;
    this.planes = this.targets({ inference, management, metrics });
  }

  /**
   * Points the management and metrics planes (and readiness) elsewhere: for an engine whose
   * planes the worker found by trying its layouts (see PlaneLayout).
   */
  retarget(urls: Record<EnginePlane, string>, health: EngineEndpoint = this.adapter.health): void {
    this.planes = this.targets(urls);
    this.healthEndpoint = health;
  }

  /** Whether `endpoint` answers at all on `base` (any HTTP status but 404 / 405). */
  async answers(base: string, path: string): Promise<boolean> {
    const url = new URL(base);
    const answer = await this.call(
      { method: 'GET', path: url.pathname.replace(/\/+$/, '') + path, plane: 'inference' },
      this.timeouts.probeTimeoutMs,
      url.origin,
    );
    return answer !== undefined && answer.status !== 404 && answer.status !== 405;
  }

  private targets(urls: Record<EnginePlane, string>): Record<EnginePlane, PlaneTarget> {
    return {
      inference: this.target(urls.inference),
      management: this.target(urls.management),
      metrics: this.target(urls.metrics),
    };
  }

  private target(base: string): PlaneTarget {
    const url = new URL(base);
    return { pool: this.pool(url.origin), basePath: url.pathname.replace(/\/+$/, '') };
  }

  private pool(origin: string): Pool {
    let pool = this.byOrigin.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.poolOptions.connections,
        connect: { timeout: this.timeouts.connectTimeoutMs },
        headersTimeout: this.timeouts.headersTimeoutMs,
        bodyTimeout: this.timeouts.bodyTimeoutMs,
      });
      this.byOrigin.set(origin, pool);
      this.pools.push(pool);
    }
    return pool;
  }

  /**
   * Runs one request. Ends with exactly one terminal event, unless `signal` aborts: then the
   * engine request is destroyed at once (freeing its slot) and the generator just returns.
   */
  async *stream(req: InferenceRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    if (signal.aborted) return;
    if (req.kind === 'embedding') {
      yield* this.embed(req, signal);
      return;
    }
    const call = this.adapter.buildRequest(req);
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.planes.inference.pool.request({ ...this.requestOptions(call, req), signal });
    } catch (err) {
      if (!signal.aborted) yield this.failureBeforeHeaders(err);
      return;
    }
    if (res.statusCode < 200 || res.statusCode >= 300) {
      const body = await res.body.text().catch(() => '');
      if (signal.aborted) return;
      yield this.refusal(res.statusCode, body, 'generation');
      return;
    }
    yield* this.relay(res.body as AsyncIterable<Buffer>, req, signal);
  }

  /** Who hears of refusals that prove a capability missing; one listener. */
  onCapabilityRefused(listener: RefusalListener): void {
    this.refusalListener = listener;
  }

  /**
   * One call outside the request path (capability reading, probes): status and body, or
   * undefined when the engine did not answer within `timeoutMs`.
   */
  async call(
    call: PlaneCall,
    timeoutMs: number,
    origin?: string,
  ): Promise<{ status: number; body: string } | undefined> {
    const plane = this.planes[call.plane ?? 'inference'];
    const { pool, basePath } =
      origin === undefined ? plane : { pool: this.pool(origin), basePath: '' };
    try {
      const res = await pool.request({
        ...this.requestOptions(call),
        path: basePath + call.path,
        signal: AbortSignal.timeout(timeoutMs),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      return { status: res.statusCode, body: await res.body.text() };
    } catch {
      return undefined;
    }
  }

  /** An engine's error answer as an event; tells the listener when it proves a capability missing. */
  private refusal(status: number, body: string, kind: CallKind): ErrorEvent {
    const { code, message } = this.adapter.parseError(status, body);
    const missing = this.adapter.refusedCapability?.(status, body, kind);
    if (missing === undefined) return engineErrorEvent(code, message, false);
    this.refusalListener?.(missing, message);
    // Another node may well serve it: never a client error that ends the request here.
    return engineErrorEvent(
      ERROR_CODES[code].retryElsewhere ? code : 'SY_ENGINE_ERROR',
      message,
      false,
    );
  }

  /** Whether this engine serves embeddings at all (advertised in the node's record). */
  get servesEmbeddings(): boolean {
    return this.adapter.embeddings !== undefined;
  }

  /** Whether this engine continues a cut-short assistant message (advertised in the record). */
  get continuesChat(): boolean {
    return this.adapter.continuesChat;
  }

  /** One embeddings call: a vector event per input, usage, then `done`. */
  private async *embed(req: EmbeddingRequest, signal: AbortSignal): AsyncGenerator<StreamEvent> {
    const codec = this.adapter.embeddings;
    if (!codec) {
      yield engineErrorEvent(
        'SY_ENGINE_REJECTED',
        `the ${this.adapter.kind} engine does not serve embeddings`,
        false,
      );
      return;
    }
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      const call = codec.build(req.model, req.input);
      res = await this.planes.inference.pool.request({ ...this.requestOptions(call, req), signal });
    } catch (err) {
      if (!signal.aborted) yield this.failureBeforeHeaders(err);
      return;
    }
    const body = await res.body.text().catch(() => '');
    if (signal.aborted) return;
    if (res.statusCode < 200 || res.statusCode >= 300) {
      yield this.refusal(res.statusCode, body, 'embedding');
      return;
    }
    let parsed: { vectors: number[][]; promptTokens: number | null };
    try {
      parsed = codec.parse(JSON.parse(body));
    } catch {
      yield engineErrorEvent('SY_ENGINE_ERROR', 'engine sent an unreadable embeddings body', false);
      return;
    }
    if (parsed.vectors.length !== req.input.length) {
      yield engineErrorEvent(
        'SY_ENGINE_ERROR',
        `engine returned ${parsed.vectors.length} vectors for ${req.input.length} inputs`,
        false,
      );
      return;
    }
    for (const [index, vector] of parsed.vectors.entries()) {
      yield {
        type: 'embedding',
        index,
        vector: req.dimensions !== undefined ? shortenVector(vector, req.dimensions) : vector,
      };
    }
    yield { type: 'usage', promptTokens: parsed.promptTokens ?? 0, completionTokens: 0 };
    yield { type: 'done', choices: [{ index: 0, finishReason: 'stop' }] };
  }

  async health(): Promise<HealthVerdict> {
    try {
      const { status, body } = await this.probe(this.healthEndpoint);
      return this.adapter.interpretHealth(status, body);
    } catch (err) {
      return { ready: false, reason: this.probeFailure(err) };
    }
  }

  /** Model ids the engine serves; throws SwitchyardError when it cannot say. */
  async models(): Promise<string[]> {
    let answer: { status: number; body: string };
    try {
      answer = await this.probe(this.adapter.models);
    } catch (err) {
      throw new SwitchyardError('SY_ENGINE_UNAVAILABLE', this.probeFailure(err), { cause: err });
    }
    if (answer.status < 200 || answer.status >= 300) {
      const { code, message } = this.adapter.parseError(answer.status, answer.body);
      throw new SwitchyardError(code, message);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch (err) {
      throw new SwitchyardError('SY_ENGINE_ERROR', 'engine sent an unreadable model list', {
        cause: err,
      });
    }
    return this.adapter.parseModels(parsed);
  }

  /** Bodies of every load source, fetched together; a source that failed is undefined. */
  async scrape(): Promise<Record<string, string | undefined>> {
    const entries = await Promise.all(
      Object.entries(this.adapter.loadSources).map(async ([name, endpoint]) => {
        const answer = await this.probe(endpoint).catch(() => undefined);
        const ok = answer !== undefined && answer.status >= 200 && answer.status < 300;
        return [name, ok ? answer.body : undefined] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }

  private async *relay(
    body: AsyncIterable<Buffer>,
    req: GenerationRequest,
    signal: AbortSignal,
  ): AsyncGenerator<StreamEvent> {
    const parser = this.adapter.createStreamParser(req);
    const reader = createRecordReader(this.adapter.streamFraming);
    const decoder = new TextDecoder('utf-8');
    let output = false;
    let ended = false;
    // Parser events up to and including the first terminal one; anything after it is dropped.
    const accept = (events: StreamEvent[]): StreamEvent[] => {
      const out: StreamEvent[] = [];
      for (const event of events) {
        if (ended) break;
        out.push(event);
        output ||= event.type === 'delta';
        ended = isTerminal(event);
      }
      return out;
    };
    const parse = (records: string[]): StreamEvent[] =>
      accept(records.flatMap((r) => (ended ? [] : parser.push(r))));

    try {
      // Leaving this loop early destroys the body, which closes the engine connection.
      for await (const chunk of body) {
        for (const event of parse(reader.push(decoder.decode(chunk, { stream: true })))) {
          if (signal.aborted) return;
          yield event;
        }
        if (ended || signal.aborted) return;
      }
    } catch (err) {
      if (!signal.aborted) yield this.failureMidStream(err, output);
      return;
    }
    const tail = parse([...reader.push(decoder.decode()), ...reader.end()]);
    if (!ended) tail.push(...accept(parser.end()));
    // An adapter whose end() forgot its terminal event must not leave the stream open.
    if (!ended)
      tail.push(
        engineErrorEvent(
          'SY_STREAM_INTERRUPTED',
          'engine closed the stream before it finished',
          output,
        ),
      );
    for (const event of tail) {
      if (signal.aborted) return;
      yield event;
    }
  }

  private requestOptions(call: EngineCall, req?: InferenceRequest): Parameters<Pool['request']>[0] {
    const hasBody = call.body !== undefined;
    return {
      method: call.method,
      path: this.planes.inference.basePath + call.path,
      headers: {
        ...(hasBody ? { 'content-type': 'application/json' } : {}),
        ...call.headers,
        ...traceHeaders(req?.trace),
        ...this.auth,
      },
      body: hasBody ? JSON.stringify(call.body) : undefined,
    };
  }

  private async probe(endpoint: EngineEndpoint): Promise<{ status: number; body: string }> {
    const budget = this.timeouts.probeTimeoutMs;
    const { pool, basePath } = this.planes[endpoint.plane];
    const res = await pool.request({
      method: 'GET',
      path: basePath + endpoint.path,
      headers: this.auth,
      signal: AbortSignal.timeout(budget),
      headersTimeout: budget,
      bodyTimeout: budget,
    });
    return { status: res.statusCode, body: await res.body.text() };
  }

  private failureBeforeHeaders(err: unknown): ErrorEvent {
    const code = errorCode(err);
    if (code === 'UND_ERR_HEADERS_TIMEOUT') {
      return engineErrorEvent(
        'SY_ENGINE_TIMEOUT',
        `engine sent no response within ${this.timeouts.headersTimeoutMs} ms`,
        false,
      );
    }
    const canonical: ErrorCode = CONNECTION_FAILURES.has(code)
      ? 'SY_ENGINE_UNAVAILABLE'
      : 'SY_ENGINE_ERROR';
    const prefix =
      canonical === 'SY_ENGINE_UNAVAILABLE' ? 'engine unreachable' : 'engine request failed';
    return engineErrorEvent(canonical, `${prefix}: ${code}`, false);
  }

  private failureMidStream(err: unknown, afterOutput: boolean): ErrorEvent {
    if (errorCode(err) === 'UND_ERR_BODY_TIMEOUT') {
      return engineErrorEvent(
        'SY_ENGINE_TIMEOUT',
        `engine sent nothing for ${this.timeouts.bodyTimeoutMs} ms`,
        afterOutput,
      );
    }
    return engineErrorEvent(
      'SY_STREAM_INTERRUPTED',
      'engine connection broke mid-stream',
      afterOutput,
    );
  }

  private probeFailure(err: unknown): string {
    const code = errorCode(err);
    return code === 'TimeoutError' || code.endsWith('_TIMEOUT')
      ? `engine timeout: no answer within ${this.timeouts.probeTimeoutMs} ms`
      : `engine unreachable: ${code}`;
  }
}

/**
 * A stable identifier for a failure: the system or undici error code, else the error name.
 * Error messages are never used: Node's include the engine's address.
 */
function errorCode(err: unknown): string {
  // Duck-typed: errors from Node's core come from another realm than the caller's `Error`.
  for (let e = err, depth = 0; typeof e === 'object' && e !== null && depth < 3; depth++) {
    const { code, cause } = e as { code?: unknown; cause?: unknown };
    if (typeof code === 'string') return code;
    e = cause;
  }
  const name =
    typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : 'unknown error';
}

/** The client's request id and trace context, on the engine call (engines log them). */
function traceHeaders(trace: RequestTrace | undefined): Record<string, string> {
  if (trace === undefined) return {};
  return {
    'x-request-id': trace.requestId,
    ...(trace.traceparent !== undefined ? { traceparent: trace.traceparent } : {}),
  };
}
