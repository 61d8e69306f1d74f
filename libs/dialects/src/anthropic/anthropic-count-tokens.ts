import { AUTO_MODEL, SwitchyardError } from '@switchyard/contracts';
import type { ApiRoute } from '../dialect';
import { estimateTokens } from '../token-estimate';
import { parseMessages } from './anthropic-parse';

/**
 * `POST /v1/messages/count_tokens` (Anthropic `messages.countTokens`): the body of a Messages
 * request without `max_tokens`, answered `{"input_tokens": N}`. The count is the gateway's
 * estimate (token-estimate.ts), not the engine's tokenizer: asking an engine would need a
 * tokenize call routed through the cluster like a request, which the job protocol does not
 * carry yet. An unknown model is a 404, as Anthropic answers.
 */
export const countTokensRoute: ApiRoute = {
  method: 'POST',
  path: '/v1/messages/count_tokens',
  handle: ({ body, catalog }) => {
    const withMax =
      typeof body === 'object' && body !== null && !Array.isArray(body)
        ? { max_tokens: 1, ...body }
        : body;
    const req = parseMessages(withMax, { requestId: 'count_tokens', headers: {} });
    if (req.model !== AUTO_MODEL && !catalog.find(req.model)) {
      throw new SwitchyardError('SY_MODEL_NOT_FOUND', `model: ${req.model}`, {
        param: 'model',
        model: req.model,
      });
    }
    return { body: { input_tokens: estimateTokens(req) } };
  },
};
