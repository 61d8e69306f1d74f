import { RedisScript } from '@switchyard/cluster';
import type { KeyLimits } from '@switchyard/config';
import { SwitchyardError, type KeySpace } from '@switchyard/contracts';
import type { RedisClient as Redis } from '@switchyard/cluster';
import { hasLimits } from './api-key';

/**
 * Per-key and per-tenant limits, shared by every gateway replica: one script per admission
 * checks the key's limits and its tenant's and takes from them only when every one allows
 * the request. Requests and tokens per minute are GCRA (a theoretical arrival time per
 * limit: a full minute's allowance may come at once, then it refills evenly); concurrency is
 * a sorted set of running requests whose scores are their expiry (the safety net when a
 * gateway dies mid-request); the budget is a counter per period. All of a tenant's state
 * shares its `{t:<tenant>}` tag: the script is single-slot.
 *
 * Tokens are taken at admission from the prompt estimate and corrected when the request
 * ends (`settle`) with the usage the engine reported.
 *
 * KEYS: rpm, tpm, conc, budget of the key, then of the tenant. ARGV: rpm, tpm, max
 * concurrency, budget, ms left in the budget period — of the key, then of the tenant (0 = no
 * limit) — then the token estimate, the request id and the slot's safety TTL.
 */
const ADMIT = new RedisScript(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local est, rid, concTtl = tonumber(ARGV[11]), ARGV[12], tonumber(ARGV[13])
local WINDOW = 60000
local function gcra(key, limit, cost)
  if limit <= 0 then return {true, 0, -1, 0, 0} end
  local interval = WINDOW / limit
  cost = math.min(cost, limit)
  local tat = math.max(tonumber(redis.call('GET', key) or '0'), now)
  local newTat = tat + cost * interval
  local ok = newTat - now <= WINDOW
  local after = ok and newTat or tat
  local left = math.max(0, math.floor((WINDOW - (after - now)) / interval))
  return {ok, newTat, left, after - now, ok and 0 or (newTat - now - WINDOW)}
end
local refused, retry, s = '', 0, {}
for i = 0, 1 do
  local a, k = i * 5, i * 4
  local lim = {tonumber(ARGV[a+1]), tonumber(ARGV[a+2]), tonumber(ARGV[a+3]), tonumber(ARGV[a+4]), tonumber(ARGV[a+5])}
  local r, tk = gcra(KEYS[k+1], lim[1], 1), gcra(KEYS[k+2], lim[2], est)
  local who = i == 0 and '' or 'tenant:'
  if refused == '' and not r[1] then refused, retry = who .. 'rpm', r[5] end
  if refused == '' and not tk[1] then refused, retry = who .. 'tpm', tk[5] end
  if refused == '' and lim[3] > 0 then
    redis.call('ZREMRANGEBYSCORE', KEYS[k+3], '-inf', now)
    if redis.call('ZCARD', KEYS[k+3]) >= lim[3] then refused, retry = who .. 'concurrency', 1000 end
  end
  if refused == '' and lim[4] > 0 then
    local used = tonumber(redis.call('GET', KEYS[k+4]) or '0')
    if used + math.min(est, lim[4]) > lim[4] then refused, retry = who .. 'budget', lim[5] end
  end
  s[i + 1] = {lim = lim, r = r, tk = tk, k = k}
end
if refused == '' then
  for i = 1, 2 do
    local lim, k = s[i].lim, s[i].k
    if lim[1] > 0 then redis.call('SET', KEYS[k+1], s[i].r[2], 'PX', WINDOW * 2) end
    if lim[2] > 0 then redis.call('SET', KEYS[k+2], s[i].tk[2], 'PX', WINDOW * 2) end
    if lim[3] > 0 then
      redis.call('ZADD', KEYS[k+3], now + concTtl, rid)
      redis.call('PEXPIRE', KEYS[k+3], concTtl)
    end
    if lim[4] > 0 then
      redis.call('INCRBY', KEYS[k+4], est)
      redis.call('PEXPIRE', KEYS[k+4], lim[5] + WINDOW)
    end
  end
end
local out = {refused == '' and 1 or 0, refused, math.ceil(retry)}
for i = 1, 2 do
  table.insert(out, s[i].r[3]); table.insert(out, math.ceil(s[i].r[4]))
  table.insert(out, s[i].tk[3]); table.insert(out, math.ceil(s[i].tk[4]))
end
return out
`,
  8,
);

/**
 * Frees the request's concurrency slots and corrects its tokens by (actual − estimate).
 * KEYS: tpm, conc, budget of the key, then of the tenant. ARGV: tpm and ms left in the
 * budget period (0 = no budget) of each, then the delta and the request id.
 */
const SETTLE = new RedisScript(
  `
local delta, rid = tonumber(ARGV[5]), ARGV[6]
for i = 0, 1 do
  local k, tpm, periodLeft = i * 3, tonumber(ARGV[i*2+1]), tonumber(ARGV[i*2+2])
  redis.call('ZREM', KEYS[k+2], rid)
  if delta ~= 0 and tpm > 0 then
    local tat = redis.call('GET', KEYS[k+1])
    if tat then redis.call('SET', KEYS[k+1], tonumber(tat) + delta * 60000 / tpm, 'PX', 120000) end
  end
  if delta ~= 0 and periodLeft > 0 then
    redis.call('INCRBY', KEYS[k+3], delta)
    redis.call('PEXPIRE', KEYS[k+3], periodLeft + 60000)
  end
end
return 1
`,
  6,
);

const NONE: KeyLimits = { budgetPeriod: 'month' };

/** One side of an admission: the key, or its tenant. */
interface Subject {
  limits: KeyLimits;
  name: string;
  budgetKey: string;
  periodLeftMs: number;
}

/** What an admitted request holds until it ends. */
export interface Grant {
  tenant: string;
  requestId: string;
  estimate: number;
  subjects: [Subject, Subject];
  /** OpenAI-style `x-ratelimit-*` headers for the response. */
  headers: Record<string, string>;
}

export class KeyLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly keys: KeySpace,
    /** Longest a concurrency slot is held if its gateway never releases it. */
    private readonly slotTtlMs: number,
  ) {}

  /**
   * Takes one request (and `estimate` tokens) from the key's limits and its tenant's, or
   * throws 429; nothing when neither has any.
   */
  async admit(
    tenant: string,
    keyId: string | undefined,
    keyLimits: KeyLimits | undefined,
    tenantLimits: KeyLimits | undefined,
    requestId: string,
    estimate: number,
    now = new Date(),
  ): Promise<Grant | undefined> {
    const ofKey = keyId !== undefined && hasLimits(keyLimits) ? keyLimits : NONE;
    const ofTenant = hasLimits(tenantLimits) ? tenantLimits : NONE;
    if (ofKey === NONE && ofTenant === NONE) return undefined;
    const subjects: [Subject, Subject] = [
      this.subject(tenant, `k:${keyId ?? '-'}`, ofKey, now),
      this.subject(tenant, 'tenant', ofTenant, now),
    ];
    const tokens = Math.max(0, Math.round(estimate));
    const reply = (await ADMIT.run(
      this.redis,
      subjects.flatMap((s) => [
        this.keys.limitState(tenant, s.name, 'rpm'),
        this.keys.limitState(tenant, s.name, 'tpm'),
        this.keys.limitState(tenant, s.name, 'conc'),
        s.budgetKey,
      ]),
      [
        ...subjects.flatMap((s) => [
          s.limits.rpm ?? 0,
          s.limits.tpm ?? 0,
          s.limits.maxConcurrency ?? 0,
          s.limits.budgetTokens ?? 0,
          s.periodLeftMs,
        ]),
        tokens,
        requestId,
        this.slotTtlMs,
      ],
    )) as [number, string, number, ...number[]];
    const [ok, refused, retryMs, ...left] = reply;
    const headers = limitHeaders(subjects, left);
    if (ok !== 1) {
      const [who, what] = refused.startsWith('tenant:')
        ? ['tenant', refused.slice('tenant:'.length)]
        : ['API key', refused];
      throw new RateLimited(
        `This ${who} is over its ${LIMIT_NAMES[what] ?? what}; try again later.`,
        Math.max(1, Math.ceil(retryMs / 1000)),
        headers,
      );
    }
    return { tenant, requestId, estimate: tokens, subjects, headers };
  }

  /** Ends the request: frees its slots, corrects its tokens with what it really used. */
  async settle(grant: Grant, usedTokens: number): Promise<void> {
    const { tenant, subjects } = grant;
    await SETTLE.run(
      this.redis,
      subjects.flatMap((s) => [
        this.keys.limitState(tenant, s.name, 'tpm'),
        this.keys.limitState(tenant, s.name, 'conc'),
        s.budgetKey,
      ]),
      [
        ...subjects.flatMap((s) => [
          s.limits.tpm ?? 0,
          s.limits.budgetTokens !== undefined ? s.periodLeftMs : 0,
        ]),
        Math.round(usedTokens - grant.estimate),
        grant.requestId,
      ],
    );
  }

  private subject(tenant: string, name: string, limits: KeyLimits, now: Date): Subject {
    const period = budgetPeriod(limits.budgetPeriod, now);
    return {
      limits,
      name,
      budgetKey: this.keys.limitState(tenant, name, `budget:${period.id}`),
      periodLeftMs: period.leftMs,
    };
  }
}

/** A 429 that carries the limit headers, so the refusal shows them too. */
export class RateLimited extends SwitchyardError {
  constructor(
    message: string,
    retryAfterSeconds: number,
    readonly headers: Record<string, string>,
  ) {
    super('SY_RATE_LIMITED', message, { retryAfterSeconds });
  }
}

const LIMIT_NAMES: Readonly<Record<string, string>> = {
  rpm: 'requests per minute',
  tpm: 'tokens per minute',
  concurrency: 'concurrent requests',
  budget: 'token budget for this period',
};

/**
 * The headers of the tighter side: the key's limit where it has one, else its tenant's.
 * `left` is [requests left, reset ms, tokens left, reset ms] of the key, then the tenant.
 */
function limitHeaders(subjects: [Subject, Subject], left: number[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [what, field, offset] of [
    ['requests', 'rpm', 0],
    ['tokens', 'tpm', 2],
  ] as const) {
    const side = subjects[0].limits[field] !== undefined ? 0 : 1;
    const limit = subjects[side].limits[field];
    if (limit === undefined) continue;
    headers[`x-ratelimit-limit-${what}`] = String(limit);
    headers[`x-ratelimit-remaining-${what}`] = String(Math.max(0, left[side * 4 + offset] ?? 0));
    headers[`x-ratelimit-reset-${what}`] = duration(left[side * 4 + offset + 1] ?? 0);
  }
  return headers;
}

/** OpenAI's reset form: `20ms`, `1.5s`. */
function duration(ms: number): string {
  return ms < 1000 ? `${Math.max(0, Math.round(ms))}ms` : `${Math.round(ms / 100) / 10}s`;
}

/** The budget period holding `now` (UTC) and how long it has left. */
export function budgetPeriod(period: 'day' | 'month', now: Date): { id: string; leftMs: number } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const end = period === 'day' ? Date.UTC(y, m, now.getUTCDate() + 1) : Date.UTC(y, m + 1, 1);
  const iso = now.toISOString();
  return { id: period === 'day' ? iso.slice(0, 10) : iso.slice(0, 7), leftMs: end - now.getTime() };
}
