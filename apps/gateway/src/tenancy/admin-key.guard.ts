import { createHash, timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { GatewayConfig } from '@switchyard/config';
import { SwitchyardError } from '@switchyard/contracts';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../gateway.tokens';
import { apiKeyOf } from './api-key';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The admin API's door: `Authorization: Bearer <SWITCHYARD_ADMIN_KEY>`, compared as SHA-256
 * digests in constant time. Without an admin key configured, only loopback callers — judged
 * by the socket's peer, never by `X-Forwarded-For`, which any client can write.
 */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  private readonly adminHash: Buffer | undefined;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.adminHash = config.adminKey === undefined ? undefined : sha256(config.adminKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.adminHash === undefined) {
      if (LOOPBACK.has(request.raw.socket.remoteAddress ?? '')) return true;
      throw new SwitchyardError(
        'SY_UNAUTHENTICATED',
        'The admin API answers only on loopback until SWITCHYARD_ADMIN_KEY is set.',
      );
    }
    const presented = apiKeyOf(request.headers);
    if (presented !== undefined && timingSafeEqual(sha256(presented), this.adminHash)) return true;
    throw new SwitchyardError('SY_UNAUTHENTICATED', 'Missing or invalid admin key.');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
