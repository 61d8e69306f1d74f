import type { InferenceJob } from '@switchyard/contracts';

/*
 * The direct dispatch path: a job placed on a node goes into that node's own sorted set
 * (`keys.nodeJobs`), in the same hash slot as its reservations, so claiming the slot and
 * handing over the job are one script and one round trip. The node pops jobs atomically
 * (BZPOPMIN), so a gateway withdrawing one (ZREM) either removes it before any node has it
 * or learns that the node took it — never both.
 */

/** Unix ms the score's arrival part counts from (2026-01-01). */
const EPOCH_MS = 1_767_225_600_000;
/** Priority classes a node queue orders by; higher runs first. */
const MAX_CLASS = 9;
/** Score units per priority class: arrival (ms × 16) stays below it for a thousand years. */
const CLASS_STRIDE = 2 ** 49;

let arrivals = 0;

/**
 * Lower runs first: the priority class (0–9, higher first), then arrival order. Exact in a
 * double (below 2^53); 16 arrivals per millisecond per process keep their order, more tie
 * (and tie-break on the member, which is harmless).
 */
export function nodeJobScore(priority: number, nowMs: number): number {
  const p = Number.isFinite(priority) ? Math.min(Math.max(Math.round(priority), 0), MAX_CLASS) : 0;
  arrivals = (arrivals + 1) % 16;
  return (MAX_CLASS - p) * CLASS_STRIDE + Math.max(0, nowMs - EPOCH_MS) * 16 + arrivals;
}

/** A node-queue member: the job as JSON. The producer keeps it to withdraw the job by value. */
export function encodeNodeJob(job: InferenceJob): string {
  return JSON.stringify(job);
}

export function decodeNodeJob(member: string): InferenceJob {
  const job = JSON.parse(member) as InferenceJob;
  if (typeof job?.request?.id !== 'string' || typeof job.replyTo !== 'string')
    throw new Error('node job without a request id or reply channel');
  return job;
}

/*
 * Claim and hand over. KEYS: the node's reservations, the node's jobs. ARGV: request id,
 * now ms, reservation ttl ms, limit, score, member. Counts live reservations (lapsed ones,
 * of a gateway that died holding them, do not count; the node sweeps them), and when fewer
 * than `limit` adds the reservation and the job. Returns {granted 0|1, live count after}.
 */
export const DISPATCH_SCRIPT = `
local now = tonumber(ARGV[2])
local n = redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf')
if n >= tonumber(ARGV[4]) then return {0, n} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[6])
return {1, n + 1}
`;

/*
 * Take back a job no node has popped. KEYS: reservations, jobs. ARGV: request id, member.
 * Returns 1 when the job was still queued (its reservation is dropped too), else 0.
 */
export const WITHDRAW_SCRIPT = `
if redis.call('ZREM', KEYS[2], ARGV[2]) == 0 then return 0 end
redis.call('ZREM', KEYS[1], ARGV[1])
return 1
`;
