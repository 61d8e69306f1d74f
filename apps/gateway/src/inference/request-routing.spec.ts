import { SwitchyardError } from '@switchyard/contracts';
import { tenantSchema } from '@switchyard/config';
import { chatRequest } from '@switchyard/testing';
import { AdmissionPolicy } from './admission-policy';
import { withRouting } from './request-routing';

const admission = new AdmissionPolicy(
  [
    tenantSchema.parse({ apiKey: 'k1', name: 'team-a', priority: 7 }),
    tenantSchema.parse({ apiKey: 'k2', name: 'eu-team', selectors: { zone: 'eu' } }),
  ],
  5,
);

describe('withRouting', () => {
  it('adds tenant, priority, selectors and the session header to the request', () => {
    const req = withRouting(
      chatRequest({ sessionKey: 'from-user-field' }),
      {
        authorization: 'Bearer k1',
        'x-switchyard-selector': 'accelerator=npu, zone=a',
        'x-switchyard-session': 'conversation-42',
      },
      admission,
    );
    expect(req).toMatchObject({
      tenant: 'team-a',
      priority: 7,
      selectors: { accelerator: 'npu', zone: 'a' },
      sessionKey: 'conversation-42',
    });
  });

  it('keeps the dialect’s session key and sets no selectors when the headers are absent', () => {
    const req = withRouting(chatRequest({ sessionKey: 'user-7' }), {}, admission);
    expect(req.sessionKey).toBe('user-7');
    expect(req.selectors).toBeUndefined();
    expect(req).toMatchObject({ tenant: 'anonymous', priority: 5 });
  });

  it('applies a tenant’s configured selectors unless the header replaces them', () => {
    expect(withRouting(chatRequest(), { 'x-api-key': 'k2' }, admission).selectors).toEqual({
      zone: 'eu',
    });
    const header = { 'x-api-key': 'k2', 'x-switchyard-selector': 'zone=us' };
    expect(withRouting(chatRequest(), header, admission).selectors).toEqual({ zone: 'us' });
  });

  it('refuses a malformed selector, naming the header', () => {
    let err: unknown;
    try {
      withRouting(chatRequest(), { 'x-switchyard-selector': 'zone=a,nonsense' }, admission);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SwitchyardError);
    expect(err).toMatchObject({ code: 'SY_BAD_REQUEST', param: 'x-switchyard-selector' });
  });
});
