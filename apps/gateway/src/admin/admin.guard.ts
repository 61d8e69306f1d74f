import { createHash, timingSafeEqual } from 'node:crypto';
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { GatewayConfig } from '@switchyard/config';
import type { FastifyRequest } from 'fastify';
import { GATEWAY_CONFIG } from '../gateway.tokens';

/**
 * Who may use the admin API and the fleet page: the one seam for the admin credential.
 *
 * - `SWITCHYARD_ADMIN_KEY` set: `Authorization: Bearer <key>` is required, from anywhere.
 * - Not set: loopback clients only (the peer address of the TCP connection, never a
 *   forwarded header, which a remote client could forge), so a gateway listening on a
 *   public address does not hand its fleet controls to the network.
 *
 * The key is compared as SHA-256 digests in constant time (no length leaks). Every admin
 * controller — fleet, keys, tenants, usage — is behind this guard.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly key: Buffer | undefined;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.key = config.adminKey === undefined ? undefined : sha256(config.adminKey);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.key !== undefined) {
      const given = bearer(request.headers.authorization);
      if (given === undefined || !timingSafeEqual(sha256(given), this.key)) {
        throw new UnauthorizedException('the admin API needs Authorization: Bearer <admin key>');
      }
      return true;
    }
    if (!isLoopback(request.raw.socket.remoteAddress)) {
      throw new ForbiddenException(
        'the admin API answers loopback clients only; set SWITCHYARD_ADMIN_KEY to use it from elsewhere',
      );
    }
    return true;
  }
}

function bearer(header: string | undefined): string | undefined {
  return header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4 === '::1' || /^127\.\d+\.\d+\.\d+$/.test(v4);
}
