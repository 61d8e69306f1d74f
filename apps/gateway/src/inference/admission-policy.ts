import { headerValue, type RequestHeaders } from '../http/request-headers';
import type { Principal } from '../tenancy/api-key';

/**
 * Who sent a request and how urgent it is: the tenant (from the API key) and the priority
 * class (0 lowest … 9 highest). Pure, so the rules are easy to test and to explain.
 */
export interface Admission {
  tenant: string;
  /** Priority class 0 … 9. */
  priority: number;
  /** The tenant's configured node selectors, if any. */
  selectors?: Record<string, string>;
}

export const PRIORITY_HEADER = 'x-switchyard-priority';
const NAMED_CLASSES: Readonly<Record<string, number>> = {
  lowest: 0,
  low: 3,
  normal: 5,
  high: 7,
  critical: 9,
};

/**
 * The tenant and priority class of a request from its principal (the API key's record, or
 * the anonymous tenant). `x-switchyard-priority` may ask for any class up to the key's
 * ceiling — lower is always allowed — but only from keys allowed to steer (a `maxPriority`
 * or `routingHeaders`); from others it is ignored.
 */
export function admit(
  principal: Principal,
  headers: RequestHeaders,
  defaultPriority: number,
): Admission {
  const base = principal.priority ?? defaultPriority;
  const ceiling = principal.maxPriority ?? base;
  const mayAsk = principal.routingHeaders || principal.maxPriority !== undefined;
  const asked = mayAsk ? priorityClass(headerValue(headers, PRIORITY_HEADER)) : undefined;
  const priority = asked === undefined ? base : Math.min(asked, Math.max(ceiling, base));
  return {
    tenant: principal.tenant,
    priority,
    ...(principal.selectors ? { selectors: principal.selectors } : {}),
  };
}

/**
 * Within one class, requests interleave across tenants: a request's place is its tenant's
 * count of recent requests in that class, so a tenant with a burst queued does not hold back
 * one that sends its first. Maps (class, turn) onto "higher runs first" priorities.
 */
export const TURNS_PER_CLASS = 100_000;
export function queuePriority(priorityClass: number, tenantTurn: number): number {
  const turn = Math.min(Math.max(tenantTurn, 1), TURNS_PER_CLASS) - 1;
  return priorityClass * TURNS_PER_CLASS + (TURNS_PER_CLASS - 1 - turn);
}

function priorityClass(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (value in NAMED_CLASSES) return NAMED_CLASSES[value];
  if (/^\d$/.test(value)) return Number(value);
  return undefined;
}
