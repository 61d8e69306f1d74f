import { createHash, randomBytes } from 'node:crypto';
import { keyLimitsSchema, type KeyLimits } from '@switchyard/config';
import { z } from 'zod';
import { headerValue, type RequestHeaders } from '../http/request-headers';

/**
 * API keys as the gateway keeps them: never in plain text. A key is 32 random bytes, so a
 * plain SHA-256 is as good as a slow hash (nothing to brute-force); the key id is the first
 * 16 hex digits of that hash and names the key in Redis, logs and the admin API.
 */
export const KEY_PREFIX = 'sk-sy-';

/** What is stored for one key (Redis JSON, or built from a static config key at load). */
export const keyRecordSchema = z.object({
  id: z.string(),
  /** SHA-256 (hex) of the whole key. */
  hash: z.string(),
  /** The key's first characters, for listings: `sk-sy-ab12…`. */
  display: z.string(),
  tenant: z.string().min(1),
  /** Models it may use; absent = all. */
  models: z.array(z.string()).optional(),
  priority: z.number().int().min(0).max(9).optional(),
  maxPriority: z.number().int().min(0).max(9).optional(),
  selectors: z.record(z.string(), z.string()).optional(),
  /** Whether its requests may steer routing with `x-switchyard-*` headers. */
  routingHeaders: z.boolean().default(false),
  limits: keyLimitsSchema,
  createdAt: z.string(),
  /** ISO time after which it is refused. */
  expiresAt: z.string().optional(),
  revoked: z.boolean().default(false),
});
export type KeyRecord = z.output<typeof keyRecordSchema>;

/** Who sent a request, as every later step sees it. */
export interface Principal {
  tenant: string;
  /** Absent for the anonymous tenant. */
  keyId?: string;
  priority?: number;
  maxPriority?: number;
  selectors?: Record<string, string>;
  models?: readonly string[];
  routingHeaders: boolean;
  limits?: KeyLimits;
}

export const ANONYMOUS = 'anonymous';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function keyIdOf(hash: string): string {
  return hash.slice(0, 16);
}

/** A fresh key: `sk-sy-` and 32 random bytes in base64url. */
export function newApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function displayOf(key: string): string {
  return `${key.slice(0, KEY_PREFIX.length + 4)}…`;
}

/** `Authorization: Bearer <key>` (OpenAI, Ollama, TGI/HF clients) or `x-api-key` (Anthropic). */
export function apiKeyOf(headers: RequestHeaders): string | undefined {
  const bearer = headerValue(headers, 'authorization')
    ?.match(/^Bearer\s+(.+)$/i)?.[1]
    ?.trim();
  const key = bearer ?? headerValue(headers, 'x-api-key')?.trim();
  return key === undefined || key === '' ? undefined : key;
}

/** Why a record does not admit a request now, if it does not. */
export function refusalOf(record: KeyRecord, now: number): string | undefined {
  if (record.revoked) return 'revoked';
  if (record.expiresAt !== undefined && Date.parse(record.expiresAt) <= now) return 'expired';
  return undefined;
}

export function principalOf(record: KeyRecord): Principal {
  return {
    tenant: record.tenant,
    keyId: record.id,
    routingHeaders: record.routingHeaders,
    limits: record.limits,
    ...(record.priority !== undefined ? { priority: record.priority } : {}),
    ...(record.maxPriority !== undefined ? { maxPriority: record.maxPriority } : {}),
    ...(record.selectors !== undefined ? { selectors: record.selectors } : {}),
    ...(record.models !== undefined ? { models: record.models } : {}),
  };
}

/** Whether a key's limits need the limit script at all. */
export function hasLimits(limits: KeyLimits | undefined): limits is KeyLimits {
  return (
    limits !== undefined &&
    (limits.rpm !== undefined ||
      limits.tpm !== undefined ||
      limits.maxConcurrency !== undefined ||
      limits.budgetTokens !== undefined)
  );
}
