import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import type { AdmissionPolicy } from './admission-policy';
import { headerValue, type RequestHeaders } from '../http/request-headers';

/** Node label constraints for one request: `x-switchyard-selector: accelerator=npu,zone=a`. */
export const SELECTOR_HEADER = 'x-switchyard-selector';
/** Session affinity key, overriding the one the dialect found (OpenAI `user`, …). */
export const SESSION_HEADER = 'x-switchyard-session';

const SELECTOR = /^([A-Za-z0-9_.-]+)=([A-Za-z0-9_.-]*)$/;

/**
 * Adds what the gateway decides about a request beyond its body: tenant and priority class
 * (admission), node selectors (the header, else the tenant's configured ones) and the
 * session key from headers. A malformed selector is the
 * client's error, in its dialect, naming the header.
 */
export function withRouting(
  req: InferenceRequest,
  headers: RequestHeaders,
  admission: AdmissionPolicy,
): InferenceRequest {
  const admitted = admission.admit(headers);
  const { tenant, priority } = admitted;
  // The header, when present, replaces the tenant's configured selectors.
  const selectors = parseSelectors(headerValue(headers, SELECTOR_HEADER)) ?? admitted.selectors;
  const session = headerValue(headers, SESSION_HEADER)?.trim();
  return {
    ...req,
    tenant,
    priority,
    ...(selectors !== undefined ? { selectors } : {}),
    ...(session ? { sessionKey: session } : {}),
  };
}

function parseSelectors(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const selectors: Record<string, string> = {};
  for (const part of raw.split(',')) {
    const match = SELECTOR.exec(part.trim());
    if (!match) {
      throw new SwitchyardError(
        'SY_BAD_REQUEST',
        `The ${SELECTOR_HEADER} header must be key=value[,key=value]; '${part.trim()}' is not.`,
        { param: SELECTOR_HEADER },
      );
    }
    selectors[match[1]!] = match[2]!;
  }
  return selectors;
}
