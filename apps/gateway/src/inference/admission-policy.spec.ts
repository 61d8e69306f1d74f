import type { Principal } from '../tenancy/api-key';
import { TURNS_PER_CLASS, admit, queuePriority } from './admission-policy';

const batch: Principal = { tenant: 'batch', keyId: 'b', priority: 2, routingHeaders: false };
const app: Principal = {
  tenant: 'app',
  keyId: 'a',
  priority: 5,
  maxPriority: 8,
  routingHeaders: false,
};
const anonymous: Principal = { tenant: 'anonymous', routingHeaders: false };

describe('admit', () => {
  it('takes tenant and class from the principal, the default class for anonymous', () => {
    expect(admit(app, {}, 4)).toEqual({ tenant: 'app', priority: 5 });
    expect(admit(anonymous, {}, 4)).toEqual({ tenant: 'anonymous', priority: 4 });
  });

  it('lets the header lower the class freely and raise it only to the tenant’s ceiling', () => {
    const asApp = (p: string) => admit(app, { 'x-switchyard-priority': p }, 4).priority;
    expect(asApp('1')).toBe(1);
    expect(asApp('high')).toBe(7);
    expect(asApp('critical')).toBe(8);
    expect(asApp('nonsense')).toBe(5);
    const trusted: Principal = { ...batch, routingHeaders: true };
    expect(admit(trusted, { 'x-switchyard-priority': '9' }, 4).priority).toBe(2);
    expect(admit(trusted, { 'x-switchyard-priority': 'lowest' }, 4).priority).toBe(0);
  });

  it('ignores the header from keys that may not steer', () => {
    expect(admit(batch, { 'x-switchyard-priority': 'lowest' }, 4).priority).toBe(2);
    expect(admit(anonymous, { 'x-switchyard-priority': '0' }, 4).priority).toBe(4);
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
