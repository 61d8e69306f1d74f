import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import type { FilterName } from '@switchyard/scheduling';

/** What the refusal needs beyond the request: whether any node has served the model. */
export interface RefusalContext {
  knownModel: boolean;
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
