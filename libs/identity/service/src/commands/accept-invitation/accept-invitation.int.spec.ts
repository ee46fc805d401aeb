import type { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { PASSWORD, contact, givenAccount, givenInvitation, link, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.accept-invitation', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const accept = () => identity.when(IdentitySubjects.acceptInvitation, { data: { token: link('invitation', 'c1', 'inv-1'), password: PASSWORD } });

  it('claims the invited address for the client, records the acceptance, and signs the client in', async () => {
    roster.set('c1', contact());
    await givenInvitation(identity);

    await expect(accept()).resolves.toMatchObject({ tokenType: 'Bearer', user: { id: 'c1', role: 'client', accountId: 'a1' } });
    const events = await identity.newEvents();
    expect(events).toMatchObject([
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailClaimed', data: { userId: 'c1', accountId: 'a1', clientSignIn: { clientId: 'c1', purpose: 'invitation', tokenId: 'inv-1' } } },
      { streamName: 'clientlogin-c1', type: 'ClientInvitationAccepted', data: { clientId: 'c1', accountId: 'a1', tokenId: 'inv-1' } },
    ]);
    // The address and the name are the client's personal data: sealed in the store.
    expect(JSON.stringify(events[1].data)).not.toContain('mo@example.com');
  });

  it('refuses an address that already signs in with another login (email_taken), and records no acceptance', async () => {
    await givenAccount(identity);
    roster.set('c1', contact('owner@example.com'));
    await identity.given('clientlogin-c1', [
      {
        type: 'ClientInvitationIssued',
        data: { clientId: 'c1', accountId: 'a1', tokenId: 'inv-1', email: 'owner@example.com', expiresAt: '2099-01-01T00:00:00.000Z', issuedAt: '2026-01-01T09:00:00.000Z', reason: 'added' },
      },
    ]);

    await expect(accept()).rejects.toMatchObject({ code: 'email_taken' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('refuses an expired invitation (validation_failed)', async () => {
    roster.set('c1', contact());
    await givenInvitation(identity, '2026-01-02T00:00:00.000Z');

    await expect(accept()).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'token' }] });
    expect(await identity.newEvents()).toEqual([]);
  });
});
