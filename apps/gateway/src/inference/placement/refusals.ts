import { SwitchyardError, type CapabilityName, type InferenceRequest } from '@switchyard/contracts';
import type { FilterName } from '@switchyard/scheduling';

/** What the refusal needs beyond the request: whether any node has served the model. */
export interface RefusalContext {
  knownModel: boolean;
  /** For the capabilities filter: what the nodes serving the model lack. */
  missing?: CapabilityName;
}

type Refusal = (req: InferenceRequest, ctx: RefusalContext) => SwitchyardError;

const noCapacity: Refusal = ({ model }) =>
  new SwitchyardError('SY_NO_CAPACITY', `No node serving '${model}' is ready; try again shortly.`, {
    model,
  });

/**
 * What the client hears when a filter removed the last candidate, one row per filter: a new
 * filter without a row does not compile. The filter that emptied the field is the most
 * specific reason (filters run broadest first).
 */
export const FILTER_REFUSALS = {
  'serves-model': (req, ctx) =>
    ctx.knownModel
      ? noCapacity(req, ctx)
      : new SwitchyardError(
          'SY_MODEL_NOT_FOUND',
          `The model '${req.model}' does not exist or is not served by any node.`,
          { param: 'model', model: req.model },
        ),
  ready: noCapacity,
  embeddings: ({ model }) =>
    new SwitchyardError(
      'SY_BAD_REQUEST',
      `The model '${model}' runs only on engines that do not compute embeddings.`,
      { param: 'model', model },
    ),
  continuation: ({ model }) =>
    new SwitchyardError(
      'SY_NO_CAPACITY',
      `No ready node serving '${model}' can continue the interrupted answer.`,
      { model },
    ),
  capabilities: ({ model }, { missing }) => {
    const { what, param } = CAPABILITY_WORDS[missing ?? 'tools'];
    return new SwitchyardError(
      'SY_BAD_REQUEST',
      `No node serving '${model}' supports ${what}${missing === undefined ? ' (or another feature this request uses)' : ''}.`,
      { param, model },
    );
  },
  modalities: noCapacity,
  selectors: ({ model, selectors }) =>
    new SwitchyardError(
      'SY_BAD_REQUEST',
      `No ready node serving '${model}' matches the selectors ${formatSelectors(selectors ?? {})}.`,
      { param: 'selectors', model },
    ),
  circuit: noCapacity,
  'not-saturated': noCapacity,
} as const satisfies Record<FilterName, Refusal>;

/** How a refusal names a missing capability, and the request field that asked for it. */
const CAPABILITY_WORDS = {
  embeddings: { what: 'embeddings', param: 'model' },
  tools: { what: 'tool calling (the request carries tools)', param: 'tools' },
  vision: { what: 'image input', param: 'messages' },
  multipleChoices: { what: 'several choices in one request (n > 1)', param: 'n' },
  maxContextTokens: {
    what: 'a context this long (shorten the prompt or lower max_tokens)',
    param: 'max_tokens',
  },
} as const satisfies Record<CapabilityName, { what: string; param: string }>;

/** The client's error for a request no node can take; no filter at all means no node at all. */
export function refusal(
  refusedBy: FilterName | null,
  req: InferenceRequest,
  ctx: RefusalContext,
): SwitchyardError {
  return FILTER_REFUSALS[refusedBy ?? 'serves-model'](req, ctx);
}

function formatSelectors(selectors: Readonly<Record<string, string>>): string {
  return Object.entries(selectors)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}
