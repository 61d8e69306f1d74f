import { ForbiddenException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { onlyLoopback } from './agent.controller';

const from = (remoteAddress: string | undefined, headers: Record<string, string> = {}) =>
  ({ raw: { socket: { remoteAddress } }, headers }) as unknown as FastifyRequest;

describe("the worker's control routes", () => {
  it.each(['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1'])('answer loopback (%s)', (ip) => {
    expect(() => onlyLoopback(from(ip))).not.toThrow();
  });

  it('refuse any other peer, whatever a forwarded header claims', () => {
    expect(() => onlyLoopback(from('10.0.0.7'))).toThrow(ForbiddenException);
    expect(() => onlyLoopback(from('10.0.0.7', { 'x-forwarded-for': '127.0.0.1' }))).toThrow(
      ForbiddenException,
    );
    expect(() => onlyLoopback(from(undefined))).toThrow(ForbiddenException);
  });
});
