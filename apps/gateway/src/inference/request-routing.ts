import { SwitchyardError, type InferenceRequest } from '@switchyard/contracts';
import { headerValue, type RequestHeaders } from '../http/request-headers';
import type { Principal } from '../tenancy/api-key';
import { PRIORITY_HEADER, admit } from './admission-policy';
import { EXPLAIN_HEADER } from './explanation-header';

/** Node label constraints for one request: `x-switchyard-selector: accelerator=npu,zone=a`. */
export const SELECTOR_HEADER = 'x-switchyard-selector';
/** Session affinity key, overriding the one the dialect found (OpenAI `user`, …). */
export const SESSION_HEADER = 'x-switchyard-session';

const SELECTOR = /^([A-Za-z0-9_.-]+)=([A-Za-z0-9_.-]*)$/;

/** Headers only keys allowed to steer routing may use; from others they are ignored. */
export const ROUTING_HEADERS = [
  SELECTOR_HEADER,
  SESSION_HEADER,
  PRIORITY_HEADER,
  EXPLAIN_HEADER,
] as const;

/**
 * Adds what the gateway decides about a request beyond its body: tenant and priority class
 * (admission), node selectors (the header from a trusted key, else the key's configured ones)
 * and the session key from headers. A malformed selector is the client's error, in its
 * dialect, naming the header.
 */
export function withRouting(
  req: InferenceRequest,
  headers: RequestHeaders,
  principal: Principal,
  defaultPriority: number,
): InferenceRequest {
  const admitted = admit(principal, headers, defaultPriority);
  const { tenant, priority } = admitted;
  const trusted = principal.routingHeaders;
  // The header, when present and trusted, replaces the key's configured selectors.
  const selectors =
    (trusted ? parseSelectors(headerValue(headers, SELECTOR_HEADER)) : undefined) ??
    admitted.selectors;
  const session = trusted ? headerValue(headers, SESSION_HEADER)?.trim() : undefined;
  return {
    ...req,
    tenant,
    priority,
    ...(selectors !== undefined ? { selectors } : {}),
    ...(session ? { sessionKey: session } : {}),
  };
}

/** The routing headers a request sent that its key may not use (to log, never to refuse). */
export function ignoredRoutingHeaders(headers: RequestHeaders, principal: Principal): string[] {
  if (principal.routingHeaders) return [];
  return ROUTING_HEADERS.filter(
    (h) =>
      headers[h] !== undefined && (h !== PRIORITY_HEADER || principal.maxPriority === undefined),
  );
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
