import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { GatewayConfig } from '@switchyard/config';
import {
  DEFAULT_MOUNTS,
  DIALECT_LIST,
  createDialectLocator,
  type ApiRoute,
  type Dialect,
  type DialectMounts,
  type AnyInferenceRoute,
} from '@switchyard/dialects';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { ModelCatalogService } from '../models/model-catalog.service';
import { visibleCatalog } from '../tenancy/model-visibility';
import { Tenancy } from '../tenancy/tenancy.service';
import { InferencePipeline } from './inference.pipeline';

type Params = Record<string, string>;

/**
 * Mounts every route of every dialect in the dialect table under each of its configured
 * prefixes, so adding a dialect never touches the gateway. Remembers which dialect answers
 * each request, so the one error sink renders errors in the client's own shape.
 */
@Injectable()
export class InferenceRouter implements OnModuleInit {
  private readonly mounts: DialectMounts;
  private readonly chosen = new WeakMap<FastifyRequest['raw'], Dialect>();
  private readonly locate: (path: string) => Dialect;

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly pipeline: InferencePipeline,
    private readonly catalog: ModelCatalogService,
    private readonly tenancy: Tenancy,
    @Inject(GATEWAY_CONFIG) config: GatewayConfig,
  ) {
    this.mounts = { ...DEFAULT_MOUNTS, ...(config.mounts as DialectMounts) };
    this.locate = createDialectLocator(this.mounts);
  }

  /** The dialect whose shape an error on this request takes. */
  dialectOf(request: FastifyRequest): Dialect {
    return this.chosen.get(request.raw) ?? this.locate(request.url);
  }

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const inference = new Map<string, { dialect: Dialect; route: AnyInferenceRoute }[]>();
    const api = new Map<string, { dialect: Dialect; route: ApiRoute }>();
    for (const dialect of DIALECT_LIST) {
      for (const prefix of this.mounts[dialect.id] ?? ['']) {
        for (const route of dialect.routes) {
          const key = prefix + route.path;
          inference.set(key, [...(inference.get(key) ?? []), { dialect, route }]);
        }
        for (const route of dialect.apiRoutes ?? []) {
          const key = `${route.method} ${prefix}${route.path}`;
          // The first dialect in the table keeps a path two of them list (`GET /`).
          if (!api.has(key)) api.set(key, { dialect, route });
        }
      }
    }
    for (const [url, sharing] of inference) {
      fastify.route({
        method: 'POST',
        url,
        handler: (request, reply) => {
          const { dialect, route } = pick(sharing, request.body);
          this.chosen.set(request.raw, dialect);
          return route.open((r) => this.pipeline.handle(dialect, r, request, reply));
        },
      });
    }
    for (const [key, { dialect, route }] of api) {
      fastify.route({
        method: route.method,
        url: key.slice(key.indexOf(' ') + 1),
        handler: (request, reply) => {
          this.chosen.set(request.raw, dialect);
          return this.answer(route, request, reply);
        },
      });
    }
  }

  private async answer(route: ApiRoute, request: FastifyRequest, reply: FastifyReply) {
    const answer = route.handle({
      body: request.body,
      params: (request.params ?? {}) as Params,
      headers: request.headers,
      // Listings show a key only its models; nothing to a caller the gateway would refuse.
      catalog: visibleCatalog(
        this.catalog.snapshot(),
        await this.tenancy.visibility(request.headers),
      ),
    });
    if (answer.contentType !== undefined) void reply.header('content-type', answer.contentType);
    return reply.status(answer.status ?? 200).send(answer.body);
  }
}

/** The route that claims the body among those sharing a path; the first one otherwise. */
function pick<T extends { route: AnyInferenceRoute }>(sharing: readonly T[], body: unknown): T {
  if (sharing.length === 1) return sharing[0]!;
  return sharing.find((s) => s.route.claims?.(body) === true) ?? sharing[0]!;
}
