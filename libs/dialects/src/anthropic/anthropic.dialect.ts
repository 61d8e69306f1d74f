import { anyInferenceRoute, type Dialect, type InferenceRoute } from '../dialect';
import { renderAnthropicError } from './anthropic.errors';
import { countTokensRoute } from './anthropic-count-tokens';
import { parseMessages } from './anthropic-parse';
import { createMessagesStreamEncoder } from './anthropic-stream.encoder';
import { messageResponse } from './anthropic-wire';

const messagesRoute: InferenceRoute = {
  method: 'POST',
  path: '/v1/messages',
  parse: (body, ctx) => ({ request: parseMessages(body, ctx), facts: undefined }),
  streamContentType: 'text/event-stream; charset=utf-8',
  limitParams: { maxStop: 'stop_sequences' },
  createStreamEncoder: (_req, meta) => createMessagesStreamEncoder(meta),
  respond: (_req, result, meta) => messageResponse(result, meta),
};

/** The routes at their own facts type, in table order; `anthropicDialect.routes` hides it. */
export const anthropicInferenceRoutes: readonly InferenceRoute[] = [messagesRoute];

/** Anthropic Messages; the gateway also mounts it under `/api` by default (`/api/v1/messages`) (seed 004). */
export const anthropicDialect: Dialect = {
  id: 'anthropic',
  routes: anthropicInferenceRoutes.map(anyInferenceRoute),
  apiRoutes: [countTokensRoute],
  renderError: renderAnthropicError,
};
