import { SwitchyardError } from '@switchyard/contracts';
import { chatRequest } from '@switchyard/testing';
import type { Principal } from '../tenancy/api-key';
import { ignoredRoutingHeaders, withRouting } from './request-routing';

const teamA: Principal = { tenant: 'team-a', keyId: 'a', priority: 7, routingHeaders: true };
const euTeam: Principal = {
  tenant: 'eu-team',
  keyId: 'e',
  selectors: { zone: 'eu' },
  routingHeaders: false,
};
const anonymous: Principal = { tenant: 'anonymous', routingHeaders: false };

describe('withRouting', () => {
  it('adds tenant, priority, selectors and the session header from a trusted key', () => {
    const req = withRouting(
      chatRequest({ sessionKey: 'from-user-field' }),
      {
        'x-switchyard-selector': 'accelerator=npu, zone=a',
        'x-switchyard-session': 'conversation-42',
      },
      teamA,
      5,
    );
    expect(req).toMatchObject({
      tenant: 'team-a',
      priority: 7,
      selectors: { accelerator: 'npu', zone: 'a' },
      sessionKey: 'conversation-42',
    });
  });

  it('keeps the dialect’s session key and sets no selectors when the headers are absent', () => {
    const req = withRouting(chatRequest({ sessionKey: 'user-7' }), {}, anonymous, 5);
    expect(req.sessionKey).toBe('user-7');
    expect(req.selectors).toBeUndefined();
    expect(req).toMatchObject({ tenant: 'anonymous', priority: 5 });
  });

  it('keeps a key’s configured selectors when it may not steer, ignoring the header', () => {
    expect(withRouting(chatRequest(), {}, euTeam, 5).selectors).toEqual({ zone: 'eu' });
    const header = { 'x-switchyard-selector': 'zone=us', 'x-switchyard-session': 's' };
    const req = withRouting(chatRequest(), header, euTeam, 5);
    expect(req.selectors).toEqual({ zone: 'eu' });
    expect(req.sessionKey).toBeUndefined();
    expect(ignoredRoutingHeaders(header, euTeam)).toEqual([
      'x-switchyard-selector',
      'x-switchyard-session',
    ]);
    expect(ignoredRoutingHeaders(header, teamA)).toEqual([]);
  });

  it('lets a trusted key’s header replace its configured selectors', () => {
    const trusted = { ...euTeam, routingHeaders: true };
    const req = withRouting(chatRequest(), { 'x-switchyard-selector': 'zone=us' }, trusted, 5);
    expect(req.selectors).toEqual({ zone: 'us' });
  });

  it('refuses a malformed selector from a trusted key, naming the header', () => {
    let err: unknown;
    try {
      withRouting(chatRequest(), { 'x-switchyard-selector': 'zone=a,nonsense' }, teamA, 5);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SwitchyardError);
    expect(err).toMatchObject({ code: 'SY_BAD_REQUEST', param: 'x-switchyard-selector' });
  });
});
