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

/**
 * Anthropic Messages. The `/api/v1` copy serves clients configured with that prefix
 * (seed 004) until mount prefixes become configuration for every dialect.
 */
export const anthropicDialect: Dialect = {
  id: 'anthropic',
  routes: [messagesRoute, { ...messagesRoute, path: '/api/v1/messages' }],
  renderError: renderAnthropicError,
};
