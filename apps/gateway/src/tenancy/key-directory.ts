import type { KeyLimits, TenantConfig } from '@switchyard/config';
import type { RedisClient as Redis } from '@switchyard/cluster';
import { LRUCache } from 'lru-cache';
import { hashApiKey, keyIdOf, type KeyRecord } from './api-key';
import { tenantEntry, type ApiKeyRepository } from './api-key.repository';

/** An unknown key is remembered as unknown briefly, so a flood of random keys stays off Redis. */
const MISSING: KeyRecord | false = false;

/**
 * Finds the record of a presented key: static keys from config (hashed at load), then Redis
 * through a short-lived LRU cache. A change announced on the key channel (revoke, rotate,
 * create) evicts the entry on every replica, so the cache TTL only bounds a missed message.
 */
export class KeyDirectory {
  private readonly staticKeys: ReadonlyMap<string, KeyRecord>;
  private readonly cache: LRUCache<string, KeyRecord | false>;
  private readonly tenants: LRUCache<string, KeyLimits | false>;
  private readonly listeners: ((keyId: string) => void)[] = [];

  constructor(
    tenants: readonly TenantConfig[],
    private readonly repository: ApiKeyRepository,
    ttlMs: number,
  ) {
    this.staticKeys = new Map(tenants.map((t) => staticRecord(t)).map((r) => [r.hash, r]));
    this.cache = new LRUCache({ max: 10_000, ttl: ttlMs });
    this.tenants = new LRUCache({ max: 10_000, ttl: ttlMs });
  }

  get staticCount(): number {
    return this.staticKeys.size;
  }

  /** Evicts cached copies when any replica announces a change; call once at boot. */
  async listen(subscriber: Redis, channel: string): Promise<void> {
    subscriber.on('message', (ch: string, keyId: string) => {
      if (ch !== channel) return;
      this.cache.delete(keyId);
      this.tenants.delete(keyId);
      for (const fn of this.listeners) fn(keyId);
    });
    await subscriber.subscribe(channel);
  }

  /** A tenant's own limits (cached like key records), if it has any. */
  async tenantLimits(tenant: string): Promise<KeyLimits | undefined> {
    const entry = tenantEntry(tenant);
    let limits = this.tenants.get(entry);
    if (limits === undefined) {
      limits = (await this.repository.tenantLimits(tenant)) ?? false;
      this.tenants.set(entry, limits);
    }
    return limits === false ? undefined : limits;
  }

  onChange(fn: (keyId: string) => void): void {
    this.listeners.push(fn);
  }

  /** The record of this key, if any (revoked and expired ones too: the caller decides). */
  async find(key: string): Promise<KeyRecord | undefined> {
    const hash = hashApiKey(key);
    const known = this.staticKeys.get(hash);
    if (known) return known;
    const id = keyIdOf(hash);
    let record = this.cache.get(id);
    if (record === undefined) {
      record = (await this.repository.get(id)) ?? MISSING;
      this.cache.set(id, record);
    }
    // The id is a prefix of the hash: the whole hash must match too.
    return record !== false && record.hash === hash ? record : undefined;
  }
}

function staticRecord(t: TenantConfig): KeyRecord {
  const hash = hashApiKey(t.apiKey);
  return {
    id: keyIdOf(hash),
    hash,
    display: 'static',
    tenant: t.name,
    priority: t.priority,
    routingHeaders: t.routingHeaders,
    limits: {
      budgetPeriod: t.budgetPeriod,
      ...(t.rpm !== undefined ? { rpm: t.rpm } : {}),
      ...(t.tpm !== undefined ? { tpm: t.tpm } : {}),
      ...(t.maxConcurrency !== undefined ? { maxConcurrency: t.maxConcurrency } : {}),
      ...(t.budgetTokens !== undefined ? { budgetTokens: t.budgetTokens } : {}),
    },
    createdAt: new Date(0).toISOString(),
    revoked: false,
    ...(t.maxPriority !== undefined ? { maxPriority: t.maxPriority } : {}),
    ...(t.selectors !== undefined ? { selectors: t.selectors } : {}),
    ...(t.models !== undefined ? { models: t.models } : {}),
  };
}
