import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { dropConnection } from './client-connection';
import { type SimError, toSimError } from './sim-errors';

/** Fastify plumbing every personality needs, whatever its wire format. */

/** Writes a SimError in the engine's own error shape. */
export type ErrorWriter = (res: ServerResponse, error: SimError) => void;

/** Writes a response that Fastify has handed over. */
export type Answer = (reply: FastifyReply, write: () => void) => void;

/** Takes the response away from Fastify and writes it; a throw becomes the engine's error. */
export function answer(reply: FastifyReply, write: () => void, sendError: ErrorWriter): void {
  answering(sendError, toSimError)(reply, write);
}

/** `answer` for one engine: its error writer, and how a throw becomes its error type. */
export function answering<E>(
  sendError: (res: ServerResponse, error: E) => void,
  toError: (error: unknown) => E,
): Answer {
  return (reply, write) => {
    reply.hijack();
    try {
      write();
    } catch (error) {
      if (!reply.raw.headersSent) sendError(reply.raw, toError(error));
    }
  };
}

/** The request path without its query string. */
export function pathOf(request: FastifyRequest): string {
  const query = request.url.indexOf('?');
  return query < 0 ? request.url : request.url.slice(0, query);
}

/**
 * Ends a response whose work did not finish: `cancelled` (the client left, or the simulator is
 * shutting down) closes what is left of it, `died` (the `dieAfterTokens` fault) cuts the
 * connection mid-response as a crashing engine would.
 */
export function leaveUnfinished(res: ServerResponse, status: 'cancelled' | 'died'): void {
  if (status === 'died') return dropConnection(res);
  if (!res.writableEnded) res.destroy();
}
