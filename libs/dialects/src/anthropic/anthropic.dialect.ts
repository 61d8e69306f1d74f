import type { Dialect, InferenceRoute } from '../dialect';
import { renderAnthropicError } from './anthropic.errors';
import { parseMessages } from './anthropic-parse';
import { createMessagesStreamEncoder } from './anthropic-stream.encoder';
import { messageResponse } from './anthropic-wire';

const messagesRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/messages',
  parse: parseMessages,
  streamContentType: 'text/event-stream; charset=utf-8',
  createStreamEncoder: (_req, meta) => createMessagesStreamEncoder(meta),
  respond: (_req, result, meta) => messageResponse(result, meta),
};

/** Anthropic Messages; the gateway also mounts it under `/api` by default (`/api/v1/messages`) (seed 004). */
export const anthropicDialect: Dialect = {
  id: 'anthropic',
  routes: [messagesRoute],
  renderError: renderAnthropicError,
};
