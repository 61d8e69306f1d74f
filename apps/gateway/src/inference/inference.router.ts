import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { DIALECTS } from '@switchyard/dialects';
import type { FastifyInstance } from 'fastify';
import { InferencePipeline } from './inference.pipeline';

/**
 * Mounts every inference route of every dialect in the dialect table, so adding a dialect
 * never touches the gateway. Errors thrown here reach the one error sink before any byte
 * is sent; after that the pipeline writes them in-band.
 */
@Injectable()
export class InferenceRouter implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly pipeline: InferencePipeline,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const dialect of Object.values(DIALECTS)) {
      for (const route of dialect.routes) {
        fastify.route({
          method: route.method,
          url: route.path,
          config: { dialect: dialect.id },
          handler: (request, reply) => this.pipeline.handle(dialect, route, request, reply),
        });
      }
    }
  }
}
