import { createHash } from 'node:crypto';
import type { TenantConfig } from '@switchyard/config';
import { headerValue, type RequestHeaders } from '../http/request-headers';

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

export class AdmissionPolicy {
  private readonly byKey: Map<string, TenantConfig>;

  constructor(
    tenants: readonly TenantConfig[],
    private readonly defaultPriority: number,
  ) {
    this.byKey = new Map(tenants.map((t) => [t.apiKey, t]));
  }

  /**
   * The tenant is the configured name of the API key, else a stable digest of an unknown key
   * (never the key itself: it ends up in Redis keys and logs), else `anonymous`. The header
   * may ask for any class up to the tenant's ceiling — lower is always allowed.
   */
  admit(headers: RequestHeaders): Admission {
    const key = apiKeyOf(headers);
    const known = key === undefined ? undefined : this.byKey.get(key);
    const tenant = known?.name ?? (key === undefined ? 'anonymous' : `key-${digest(key)}`);
    const base = known?.priority ?? this.defaultPriority;
    const ceiling = known?.maxPriority ?? base;
    const asked = priorityClass(headerValue(headers, PRIORITY_HEADER));
    const priority = asked === undefined ? base : Math.min(asked, Math.max(ceiling, base));
    return { tenant, priority, ...(known?.selectors ? { selectors: known.selectors } : {}) };
  }
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

/** `Authorization: Bearer <key>` (OpenAI, Ollama, TGI clients) or `x-api-key` (Anthropic). */
function apiKeyOf(headers: RequestHeaders): string | undefined {
  const bearer = headerValue(headers, 'authorization')
    ?.match(/^Bearer\s+(.+)$/i)?.[1]
    ?.trim();
  const key = bearer ?? headerValue(headers, 'x-api-key')?.trim();
  return key === undefined || key === '' ? undefined : key;
}

function priorityClass(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim().toLowerCase();
  if (value in NAMED_CLASSES) return NAMED_CLASSES[value];
  if (/^\d$/.test(value)) return Number(value);
  return undefined;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}
