import { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientLoginStream } from '../../client-access/client-access';
import { contact, givenAccount, givenActiveClient, givenInvitation, link, startIdentity } from '../../testing/identity-use-cases';

describe('identity.query.invitation-status', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const status = (token: string) => identity.when(IdentitySubjects.invitationStatus, { data: { token } });

  it('says an invitation not used yet is open, and records nothing', async () => {
    await givenAccount(identity);
    roster.set('c1', contact());
    await givenInvitation(identity);

    expect(await status(link('invitation', 'c1', 'inv-1'))).toEqual({ status: 'open' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('says an invitation the client accepted was used (they sign in now)', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);

    expect(await status(link('invitation', 'c1', 'inv-1'))).toEqual({ status: 'used' });
  });

  it('says an expired, replaced or forged link is invalid', async () => {
    await givenAccount(identity);
    roster.set('c1', contact());
    await givenInvitation(identity, '2020-01-01T00:00:00.000Z');

    expect(await status(link('invitation', 'c1', 'inv-1'))).toEqual({ status: 'invalid' });
    expect(await status(link('invitation', 'c1', 'inv-0'))).toEqual({ status: 'invalid' });
    expect(await status(link('reset', 'c1', 'inv-1'))).toEqual({ status: 'invalid' });
    expect(await status('c1.inv-1.not-the-mac')).toEqual({ status: 'invalid' });
    expect(await status(link('invitation', 'c-unknown', 'inv-1'))).toEqual({ status: 'invalid' });
  });

  it('says the link of a client switched to offline since was used too: signing in tells them their access is paused', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);
    await identity.given(clientLoginStream('c1'), [
      { type: 'ClientAccessRevoked', data: { clientId: 'c1', accountId: 'a1', reason: 'offline', revokedAt: '2026-01-02T09:00:00.000Z' } },
    ]);

    expect(await status(link('invitation', 'c1', 'inv-1'))).toEqual({ status: 'used' });
  });
});
