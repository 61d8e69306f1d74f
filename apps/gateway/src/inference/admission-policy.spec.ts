import { tenantSchema } from '@switchyard/config';
import { AdmissionPolicy, TURNS_PER_CLASS, queuePriority } from './admission-policy';

const policy = new AdmissionPolicy(
  [
    tenantSchema.parse({ apiKey: 'sk-batch', name: 'batch', priority: 2 }),
    tenantSchema.parse({ apiKey: 'sk-app', name: 'app', priority: 5, maxPriority: 8 }),
  ],
  4,
);

describe('AdmissionPolicy', () => {
  it('names the tenant from a Bearer token or x-api-key, hiding unknown keys', () => {
    expect(policy.admit({ authorization: 'Bearer sk-app' })).toEqual({
      tenant: 'app',
      priority: 5,
    });
    expect(policy.admit({ 'x-api-key': 'sk-batch' })).toEqual({ tenant: 'batch', priority: 2 });
    const unknown = policy.admit({ authorization: 'Bearer sk-someone-else' });
    expect(unknown.tenant).toMatch(/^key-[0-9a-f]{12}$/);
    expect(unknown.tenant).not.toContain('someone');
    expect(unknown.priority).toBe(4);
    expect(policy.admit({})).toEqual({ tenant: 'anonymous', priority: 4 });
  });

  it('lets the header lower the class freely and raise it only to the tenant’s ceiling', () => {
    const app = (p: string) =>
      policy.admit({ authorization: 'Bearer sk-app', 'x-switchyard-priority': p }).priority;
    expect(app('1')).toBe(1);
    expect(app('high')).toBe(7);
    expect(app('critical')).toBe(8);
    expect(app('nonsense')).toBe(5);
    const batch = (p: string) =>
      policy.admit({ 'x-api-key': 'sk-batch', 'x-switchyard-priority': p }).priority;
    expect(batch('9')).toBe(2);
    expect(batch('low')).toBe(2);
    expect(batch('lowest')).toBe(0);
  });
});

describe('queuePriority', () => {
  it('orders by class first, then by the tenant’s turn within the class', () => {
    expect(queuePriority(6, 999)).toBeGreaterThan(queuePriority(5, 1));
    expect(queuePriority(5, 1)).toBeGreaterThan(queuePriority(5, 2));
    expect(queuePriority(5, TURNS_PER_CLASS + 50)).toBe(queuePriority(5, TURNS_PER_CLASS));
    expect(queuePriority(9, 1)).toBeLessThan(2_097_151);
    expect(queuePriority(0, TURNS_PER_CLASS)).toBe(0);
  });
});
