import type { KeySpace } from '@switchyard/contracts';
import type { RedisClient as Redis } from '@switchyard/cluster';

/** Daily usage buckets are kept this long. */
const KEEP_DAYS = 400;
const SEP = '|';

export interface UsageRecord {
  tenant: string;
  /** `-` for the anonymous tenant and static keys without an id. */
  keyId: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  error: boolean;
}

export interface UsageRow {
  tenant: string;
  keyId: string;
  model: string;
  day: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  errors: number;
}

const FIELDS = ['requests', 'promptTokens', 'completionTokens', 'errors'] as const;

/**
 * Usage per tenant, key and model in daily buckets: one hash per tenant and UTC day, fields
 * `<keyId>|<model>|<counter>`. Written once per request end, read by the admin API.
 */
export class UsageRepository {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
  ) {}

  async record(u: UsageRecord, now = new Date()): Promise<void> {
    const key = this.keys.usage(u.tenant, dayOf(now));
    const field = (name: string) => [u.keyId, u.model, name].join(SEP);
    await this.redis
      .multi()
      .hincrby(key, field('requests'), 1)
      .hincrby(key, field('promptTokens'), u.promptTokens)
      .hincrby(key, field('completionTokens'), u.completionTokens)
      .hincrby(key, field('errors'), u.error ? 1 : 0)
      .expire(key, KEEP_DAYS * 86_400)
      .sadd(this.keys.usageTenants, u.tenant)
      .exec();
  }

  /** Rows per tenant, key, model and day in [from, to] (UTC days, inclusive). */
  async query(tenant: string | undefined, from: string, to: string): Promise<UsageRow[]> {
    const tenants =
      tenant !== undefined ? [tenant] : await this.redis.smembers(this.keys.usageTenants);
    const rows: UsageRow[] = [];
    for (const t of tenants.sort()) {
      for (const day of daysBetween(from, to)) {
        const hash = await this.redis.hgetall(this.keys.usage(t, day));
        const byKeyModel = new Map<string, UsageRow>();
        for (const [field, value] of Object.entries(hash)) {
          const [keyId = '-', model = '', name = ''] = field.split(SEP);
          const id = `${keyId}${SEP}${model}`;
          const row = byKeyModel.get(id) ?? {
            tenant: t,
            keyId,
            model,
            day,
            requests: 0,
            promptTokens: 0,
            completionTokens: 0,
            errors: 0,
          };
          if ((FIELDS as readonly string[]).includes(name))
            row[name as (typeof FIELDS)[number]] = Number(value);
          byKeyModel.set(id, row);
        }
        rows.push(...byKeyModel.values());
      }
    }
    return rows;
  }
}

export function dayOf(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Every UTC day from `from` to `to`, at most a year and a bit of them. */
function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  const end = Date.parse(`${to}T00:00:00Z`);
  for (
    let t = Date.parse(`${from}T00:00:00Z`);
    t <= end && days.length <= KEEP_DAYS;
    t += 86_400_000
  )
    days.push(dayOf(new Date(t)));
  return days;
}
