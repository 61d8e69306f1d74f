import {
  apiKeyOf,
  displayOf,
  hashApiKey,
  keyIdOf,
  newApiKey,
  refusalOf,
  type KeyRecord,
} from './api-key';
import { budgetPeriod } from './key-limits';

describe('API keys', () => {
  it('are high-entropy, shown by a short prefix, named by a digest of their hash', () => {
    const key = newApiKey();
    expect(key).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
    expect(newApiKey()).not.toBe(key);
    expect(displayOf(key)).toBe(`${key.slice(0, 10)}…`);
    const hash = hashApiKey(key);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyIdOf(hash)).toBe(hash.slice(0, 16));
    expect(hash).not.toContain(key);
  });

  it('are read from Authorization: Bearer or x-api-key', () => {
    expect(apiKeyOf({ authorization: 'Bearer sk-a' })).toBe('sk-a');
    expect(apiKeyOf({ authorization: 'bearer   sk-b ' })).toBe('sk-b');
    expect(apiKeyOf({ 'x-api-key': 'sk-c' })).toBe('sk-c');
    expect(apiKeyOf({ authorization: 'Basic abc' })).toBeUndefined();
    expect(apiKeyOf({ 'x-api-key': ' ' })).toBeUndefined();
    expect(apiKeyOf({})).toBeUndefined();
  });

  it('are refused when revoked or past their expiry', () => {
    const record = { revoked: false, expiresAt: '2026-01-01T00:00:00.000Z' } as KeyRecord;
    expect(refusalOf(record, Date.parse('2025-12-31T23:59:59Z'))).toBeUndefined();
    expect(refusalOf(record, Date.parse('2026-01-01T00:00:00Z'))).toBe('expired');
    expect(refusalOf({ ...record, revoked: true }, 0)).toBe('revoked');
  });
});

describe('budgetPeriod', () => {
  it('is the UTC day or calendar month, with the time left in it', () => {
    const now = new Date('2026-12-31T23:00:00.000Z');
    expect(budgetPeriod('day', now)).toEqual({ id: '2026-12-31', leftMs: 3_600_000 });
    expect(budgetPeriod('month', now)).toEqual({ id: '2026-12', leftMs: 3_600_000 });
    expect(budgetPeriod('month', new Date('2026-02-01T00:00:00Z')).leftMs).toBe(28 * 86_400_000);
  });
});
