import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  ResultCollector,
  enforceLimits,
  type Dialect,
  type RequestLimits,
  type InferenceRoute,
  type ResponseMeta,
} from '@switchyard/dialects';
import {
  ERROR_CODES,
  SwitchyardError,
  toSwitchyardError,
  type ErrorEvent,
  type InferenceRequest,
  type StreamEvent,
} from '@switchyard/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '@switchyard/config';
import { GATEWAY_CONFIG, GATEWAY_METRICS_SET } from '../gateway.tokens';
import { GatewayDrain } from '../http/gateway-drain';
import { MetricLabels, type GatewayMetrics } from '../gateway-metrics';
import { ModelCatalogService } from '../models/model-catalog.service';
import type { Principal } from '../tenancy/api-key';
import { RateLimited, type Grant } from '../tenancy/key-limits';
import { Tenancy } from '../tenancy/tenancy.service';
import { ClientResponse } from './client-response';
import { explanationHeader, wantsExplanation } from './explanation-header';
import { RequestMetrics } from './request-metrics';
import { ignoredRoutingHeaders, withRouting } from './request-routing';
import { ExecutionService } from './execution/execution.service';
import type { ExecutionInfo } from './execution/execution-info';
import { PlacementService } from './placement/placement.service';
import { placementRequest } from './placement/placement-request';

/**
 * The hot path, top to bottom: parse the dialect's body into the canonical request, run it
 * on the cluster (placement, enqueue, ordered events, failover), and relay the events to the
 * client in its dialect — as a stream, or folded into one response.
 */
@Injectable()
export class InferencePipeline {
  private readonly log = new Logger(InferencePipeline.name);

  private readonly defaultPriority: number;
  private readonly limits: RequestLimits;
  private readonly streamBufferBytes: number;

  constructor(
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
    private readonly execution: ExecutionService,
    private readonly catalog: ModelCatalogService,
    private readonly placement: PlacementService,
    @Inject(GATEWAY_METRICS_SET) private readonly metrics: GatewayMetrics,
    private readonly drain: GatewayDrain,
    private readonly labels: MetricLabels,
    private readonly tenancy: Tenancy,
  ) {
    this.defaultPriority = config.defaultPriority;
    this.limits = config;
    this.streamBufferBytes = config.streamBufferBytes;
  }

  async handle<F>(
    dialect: Dialect,
    route: InferenceRoute<F>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    this.drain.enter();
    try {
      await this.run(dialect, route, request, reply);
    } finally {
      this.drain.leave();
    }
  }

  private async run<F>(
    dialect: Dialect,
    route: InferenceRoute<F>,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    const receivedAt = performance.now();
    // The id the client sees (its own `x-request-id` when it sent a usable one) names the
    // request in logs and reaches the engine; inside the cluster a client's own id is replaced
    // by a fresh one, so two clients sending the same id never share a reply stream or a
    // limit slot (a gateway-made id serves both).
    const client = new ClientResponse(request, reply, request.id, this.streamBufferBytes);
    // Who is asking: 401 before anything else when the key is missing or not valid.
    const principal = await this.tenancy.authenticate(request.headers);
    const { request: parsed, facts } = route.parse(request.body, {
      requestId: internalId(request),
      headers: request.headers,
      params: (request.params ?? {}) as Record<string, string>,
    });
    // Aliases become canonical names, `auto` a chosen model; images need a model that takes them.
    const catalog = this.catalog.snapshot();
    const resolved = catalog.resolve(parsed);
    // Bounded work: caps on inputs, choices, tokens (the model's context), stop strings, tools.
    const bounded = enforceLimits(
      resolved,
      this.limits,
      route.limitParams,
      catalog.bounds(resolved.model),
    );
    const req = withTrace(
      withRouting(bounded, request.headers, principal, this.defaultPriority),
      client.requestId,
      request.headers.traceparent,
    );
    this.tenancy.authorize(principal, parsed.model, req.model);
    this.noteIgnoredHeaders(principal, request, client.requestId);
    // Placement facts (prompt prefix hashes, …), once per request, for every attempt.
    const placing = placementRequest(req);
    const info: ExecutionInfo = { attempts: 0 };
    if (principal.routingHeaders && wantsExplanation(request.headers))
      info.explain = explanationHeader(
        this.placement.placer.strategy,
        this.placement.explain(req, placing),
      );
    // The key's limits, across replicas (429 when over one); released in `finally` below.
    const grant = await this.admit(principal, req.id, client, placing.estimatedPromptTokens ?? 0);
    const labels = { dialect: dialect.id, model: this.labels.model(req.model) };
    const observed = new RequestMetrics(this.metrics, labels, this.labels.tenant(req.tenant));
    const events = this.execution.run(req, placing, client.gone, info);
    this.metrics.switchyard_inflight_requests.inc();
    let outcome = 'ok';
    try {
      const ttft = req.stream
        ? await relayStream(route, req, facts, events, client, info, observed)
        : await respondWhole(route, req, facts, events, client, info, observed);
      if (ttft !== undefined)
        this.metrics.switchyard_time_to_first_token_seconds.observe(
          labels,
          (ttft - receivedAt) / 1000,
        );
    } catch (err) {
      outcome = client.gone.aborted ? 'cancelled' : outcomeOf(err);
      if (!client.started) throw err; // rendered by the error sink, before any byte was sent
      if (!client.finished) {
        this.log.warn(`request ${req.id} failed after the response started: ${String(err)}`);
        client.endWith(
          route.createStreamEncoder(req, meta(req, client), facts).error(toSwitchyardError(err)),
        );
      }
    } finally {
      const durationMs = performance.now() - receivedAt;
      this.log.log({
        msg: 'request',
        requestId: client.requestId,
        tenant: principal.tenant,
        dialect: dialect.id,
        model: req.model,
        node: info.nodeId,
        attempts: info.attempts,
        resumes: info.resumes,
        queueMs: info.queueMs,
        outcome,
        durationMs: Math.round(durationMs * 10) / 10,
      });
      this.tenancy.end(principal, grant, {
        model: req.model,
        ...observed.usage,
        failed: outcome !== 'ok',
      });
      this.metrics.switchyard_inflight_requests.dec();
      this.metrics.switchyard_requests_total.inc({ ...labels, outcome });
      this.metrics.switchyard_e2e_request_latency_seconds.observe(
        { ...labels, stream: String(req.stream) },
        durationMs / 1000,
      );
      observed.record(req);
    }
  }

  /** Takes the request from its key's limits; the limit headers go on every answer, 429s too. */
  private async admit(
    principal: Principal,
    requestId: string,
    client: ClientResponse,
    estimatedTokens: number,
  ): Promise<Grant | undefined> {
    try {
      const grant = await this.tenancy.admit(principal, requestId, estimatedTokens);
      if (grant) client.addHeaders(grant.headers);
      return grant;
    } catch (err) {
      if (err instanceof RateLimited) client.addHeaders(err.headers);
      throw err;
    }
  }

  /** Routing headers from a key that may not steer are ignored, never refused. */
  private noteIgnoredHeaders(
    principal: Principal,
    request: FastifyRequest,
    requestId: string,
  ): void {
    const ignored = ignoredRoutingHeaders(request.headers, principal);
    if (ignored.length > 0)
      this.log.debug(
        `request ${requestId}: ignored ${ignored.join(', ')} from tenant ${principal.tenant}`,
      );
  }
}

/**
 * Streams events as they come. Headers wait for the first output, so a failure before it
 * (after failover gave up) is still a proper HTTP error. Returns when the first token left.
 */
async function relayStream<F>(
  route: InferenceRoute<F>,
  req: InferenceRequest,
  facts: F,
  events: AsyncIterable<StreamEvent>,
  client: ClientResponse,
  info: ExecutionInfo,
  observed: RequestMetrics,
): Promise<number | undefined> {
  const encoder = route.createStreamEncoder(req, meta(req, client), facts);
  let start: StreamEvent | undefined;
  let firstToken: number | undefined;
  for await (const e of events) {
    observed.see(e);
    if (e.type === 'start') {
      start = e;
      continue;
    }
    if (e.type === 'error') {
      if (!client.started) throw errorFromEvent(e);
      client.endWith(encoder.error(errorFromEvent(e)));
      throw errorFromEvent(e);
    }
    if (!client.started) {
      client.startStream(route.streamContentType, info);
      if (start) client.write(encoder.event(start));
    }
    if (e.type === 'delta' && firstToken === undefined) firstToken = performance.now();
    client.write(encoder.event(e));
    // Leaving the loop cancels the engine request; the caller writes the error frame.
    if (client.overflowed) throw tooSlow(client);
    if (e.type === 'done') {
      client.write(encoder.end());
      client.endStream();
      return firstToken;
    }
  }
  throw new SwitchyardError('SY_STREAM_INTERRUPTED', 'the stream ended without a result');
}

/** Folds the events into one response body in the dialect. */
async function respondWhole<F>(
  route: InferenceRoute<F>,
  req: InferenceRequest,
  facts: F,
  events: AsyncIterable<StreamEvent>,
  client: ClientResponse,
  info: ExecutionInfo,
  observed: RequestMetrics,
): Promise<number | undefined> {
  const collector = new ResultCollector(req.sampling.n);
  let firstToken: number | undefined;
  for await (const e of events) {
    observed.see(e);
    if (e.type === 'error') throw errorFromEvent(e);
    if (e.type === 'delta' && firstToken === undefined) firstToken = performance.now();
    collector.add(e);
    if (e.type === 'done') {
      const result = collector.result();
      const m = meta(req, client);
      await client.sendJson(200, route.respond(req, result, m, facts), {
        ...route.responseHeaders?.(req, result, m, facts),
        ...client.routingHeaders(info),
      });
      return firstToken;
    }
  }
  throw new SwitchyardError('SY_STREAM_INTERRUPTED', 'the stream ended without a result');
}

function meta(req: InferenceRequest, client: ClientResponse): ResponseMeta {
  return { requestId: client.requestId, model: req.model, created: Math.floor(Date.now() / 1000) };
}

/** The code's row says whether the client should come back, and when. */
function errorFromEvent(e: ErrorEvent): SwitchyardError {
  return new SwitchyardError(e.code, e.message);
}

function tooSlow(client: ClientResponse): SwitchyardError {
  return new SwitchyardError(
    'SY_CLIENT_TOO_SLOW',
    `The client read the stream too slowly: ${client.bufferedBytes} bytes were waiting for it ` +
      'and the gateway holds no more for one stream (setting SWITCHYARD_STREAM_BUFFER_BYTES); ' +
      'the request was cancelled.',
  );
}

function outcomeOf(err: unknown): string {
  return ERROR_CODES[toSwitchyardError(err).code].outcome;
}

/** A W3C traceparent: version, trace id, parent id, flags (55 characters). */
const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

function withTrace<R extends InferenceRequest>(
  req: R,
  requestId: string,
  traceparent: string | string[] | undefined,
): R {
  const parent =
    typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? traceparent : undefined;
  return { ...req, trace: { requestId, ...(parent !== undefined ? { traceparent: parent } : {}) } };
}

/** The request's id inside the cluster: the gateway's own, never one a client chose. */
function internalId(request: FastifyRequest): string {
  return request.headers['x-request-id'] === request.id ? newRequestId() : request.id;
}

function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}
