import { RedisScript } from '@switchyard/cluster';
import type { KeyLimits } from '@switchyard/config';
import { SwitchyardError, type KeySpace } from '@switchyard/contracts';
import type { Redis } from 'ioredis';

/**
 * Per-key limits, shared by every gateway replica: one script per admission checks them all
 * and takes from them only when every one allows the request. Requests and tokens per minute
 * are GCRA (a theoretical arrival time per limit: a full minute's allowance may come at once,
 * then it refills evenly); concurrency is a sorted set of running requests whose scores are
 * their expiry (the safety net when a gateway dies mid-request); the budget is a counter per
 * period. Every key of one API key shares its `{k:<id>}` tag: the script is single-slot.
 *
 * Tokens are taken at admission from the prompt estimate and corrected when the request
 * ends (`settle`) with the usage the engine reported.
 */
const ADMIT = new RedisScript(
  `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm, tpm, maxc, budget = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local periodLeft, est, rid, concTtl = tonumber(ARGV[5]), tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8])
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
local r = gcra(KEYS[1], rpm, 1)
local k = gcra(KEYS[2], tpm, est)
local refused, retry = '', 0
if not r[1] then refused, retry = 'rpm', r[5] end
if refused == '' and not k[1] then refused, retry = 'tpm', k[5] end
if refused == '' and maxc > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= maxc then refused, retry = 'concurrency', 1000 end
end
local used = 0
if budget > 0 then
  used = tonumber(redis.call('GET', KEYS[4]) or '0')
  if refused == '' and used + math.min(est, budget) > budget then
    refused, retry = 'budget', periodLeft
  end
end
if refused ~= '' then
  return {0, refused, math.ceil(retry), r[3], math.ceil(r[4]), k[3], math.ceil(k[4])}
end
if rpm > 0 then redis.call('SET', KEYS[1], r[2], 'PX', WINDOW * 2) end
if tpm > 0 then redis.call('SET', KEYS[2], k[2], 'PX', WINDOW * 2) end
if maxc > 0 then
  redis.call('ZADD', KEYS[3], now + concTtl, rid)
  redis.call('PEXPIRE', KEYS[3], concTtl)
end
if budget > 0 then
  redis.call('INCRBY', KEYS[4], est)
  redis.call('PEXPIRE', KEYS[4], periodLeft + WINDOW)
end
return {1, '', 0, r[3], math.ceil(r[4]), k[3], math.ceil(k[4])}
`,
  4,
);

/** Frees the request's concurrency slot and corrects tokens by (actual − estimate). */
const SETTLE = new RedisScript(
  `
local tpm, delta, rid, periodLeft = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4])
redis.call('ZREM', KEYS[2], rid)
if delta ~= 0 and tpm > 0 then
  local tat = redis.call('GET', KEYS[1])
  if tat then redis.call('SET', KEYS[1], tonumber(tat) + delta * 60000 / tpm, 'PX', 120000) end
end
if delta ~= 0 and periodLeft > 0 then
  redis.call('INCRBY', KEYS[3], delta)
  redis.call('PEXPIRE', KEYS[3], periodLeft + 60000)
end
return 1
`,
  3,
);

/** What an admitted request holds until it ends. */
export interface Grant {
  keyId: string;
  requestId: string;
  limits: KeyLimits;
  estimate: number;
  budgetKey: string;
  periodLeftMs: number;
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

  /** Takes one request (and `estimate` tokens) from the key's limits, or throws 429. */
  async admit(
    keyId: string,
    limits: KeyLimits,
    requestId: string,
    estimate: number,
    now = new Date(),
  ): Promise<Grant> {
    const period = budgetPeriod(limits.budgetPeriod, now);
    const budgetKey = this.keys.keyLimit(keyId, `budget:${period.id}`);
    const reply = (await ADMIT.run(
      this.redis,
      [
        this.keys.keyLimit(keyId, 'rpm'),
        this.keys.keyLimit(keyId, 'tpm'),
        this.keys.keyLimit(keyId, 'conc'),
        budgetKey,
      ],
      [
        limits.rpm ?? 0,
        limits.tpm ?? 0,
        limits.maxConcurrency ?? 0,
        limits.budgetTokens ?? 0,
        period.leftMs,
        Math.max(0, Math.round(estimate)),
        requestId,
        this.slotTtlMs,
      ],
    )) as [number, string, number, number, number, number, number];
    const [ok, refused, retryMs, rpmLeft, rpmResetMs, tpmLeft, tpmResetMs] = reply;
    const headers = {
      ...(limits.rpm !== undefined ? rateHeaders('requests', limits.rpm, rpmLeft, rpmResetMs) : {}),
      ...(limits.tpm !== undefined ? rateHeaders('tokens', limits.tpm, tpmLeft, tpmResetMs) : {}),
    };
    if (ok !== 1) {
      throw new RateLimited(
        `This API key is over its ${LIMIT_NAMES[refused] ?? refused}; try again later.`,
        Math.max(1, Math.ceil(retryMs / 1000)),
        headers,
      );
    }
    return {
      keyId,
      requestId,
      limits,
      estimate,
      budgetKey,
      periodLeftMs: period.leftMs,
      headers,
    };
  }

  /** Ends the request: frees its slot, corrects its tokens with what it really used. */
  async settle(grant: Grant, usedTokens: number): Promise<void> {
    const { limits } = grant;
    await SETTLE.run(
      this.redis,
      [
        this.keys.keyLimit(grant.keyId, 'tpm'),
        this.keys.keyLimit(grant.keyId, 'conc'),
        grant.budgetKey,
      ],
      [
        limits.tpm ?? 0,
        Math.round(usedTokens - grant.estimate),
        grant.requestId,
        limits.budgetTokens !== undefined ? grant.periodLeftMs : 0,
      ],
    );
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

function rateHeaders(
  what: 'requests' | 'tokens',
  limit: number,
  remaining: number,
  resetMs: number,
): Record<string, string> {
  return {
    [`x-ratelimit-limit-${what}`]: String(limit),
    [`x-ratelimit-remaining-${what}`]: String(Math.max(0, remaining)),
    [`x-ratelimit-reset-${what}`]: duration(resetMs),
  };
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
