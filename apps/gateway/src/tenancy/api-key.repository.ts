import { keyLimitsSchema, type KeyLimits } from '@switchyard/config';
import type { KeySpace } from '@switchyard/contracts';
import type { RedisClient as Redis } from '@switchyard/cluster';
import { keyRecordSchema, type KeyRecord } from './api-key';

/**
 * API key records in Redis: one JSON string per key under its `{k:<id>}` tag, a set of every
 * id, and a channel announcing each change so every replica drops its cached copy at once.
 */
export class ApiKeyRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async get(keyId: string): Promise<KeyRecord | undefined> {
    const raw = await this.redis.get(this.keys.apiKey(keyId));
    if (raw === null) return undefined;
    const parsed = keyRecordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  async put(record: KeyRecord): Promise<void> {
    await this.redis.set(this.keys.apiKey(record.id), JSON.stringify(record));
    await this.redis.sadd(this.keys.apiKeys, record.id);
    await this.redis.publish(this.keys.apiKeyEvents, record.id);
  }

  async list(): Promise<KeyRecord[]> {
    const ids = await this.redis.smembers(this.keys.apiKeys);
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records
      .filter((r): r is KeyRecord => r !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** A tenant's own limits, shared by all its keys; absent = none. */
  async tenantLimits(tenant: string): Promise<KeyLimits | undefined> {
    const raw = await this.redis.get(this.keys.tenantLimits(tenant));
    if (raw === null) return undefined;
    const parsed = keyLimitsSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  }

  /** Sets (or with `undefined`, removes) a tenant's limits, and tells every replica. */
  async setTenantLimits(tenant: string, limits: KeyLimits | undefined): Promise<void> {
    const key = this.keys.tenantLimits(tenant);
    if (limits === undefined) await this.redis.del(key);
    else await this.redis.set(key, JSON.stringify(limits));
    await this.redis.publish(this.keys.apiKeyEvents, tenantEntry(tenant));
  }

  async count(): Promise<number> {
    return this.redis.scard(this.keys.apiKeys);
  }
}

/** The cache entry (and change message) of a tenant's limits; key ids are hex, never `t:`. */
export function tenantEntry(tenant: string): string {
  return `t:${tenant}`;
}

export function isTenantEntry(entry: string): boolean {
  return entry.startsWith('t:');
}
