import type { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { givenAccount, givenActiveClient, link, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.confirm-email', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const changeRequested = (email: string) => ({
    type: 'ClientEmailChangeRequested',
    data: { clientId: 'c1', accountId: 'a1', tokenId: 'email-1', email, previousEmail: 'mo@example.com', expiresAt: '2099-01-01T00:00:00.000Z', requestedAt: '2026-01-03T09:00:00.000Z' },
  });

  it('claims the new address, makes it the client’s sign-in and releases the old one', async () => {
    await givenActiveClient(identity, roster);
    await identity.given('clientlogin-c1', [changeRequested('mo.farah@example.com')]);

    await expect(identity.when(IdentitySubjects.confirmEmail, { data: { token: link('email', 'c1', 'email-1') } })).resolves.toEqual({ email: 'mo.farah@example.com' });
    expect(await identity.newEvents()).toMatchObject([
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailClaimed', data: { userId: 'c1', clientSignIn: { purpose: 'email_change', tokenId: 'email-1' } } },
      { streamName: 'clientlogin-c1', type: 'ClientSignInEmailChanged', data: { clientId: 'c1', tokenId: 'email-1' } },
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailReleased', data: { userId: 'c1', reason: 'client_email_changed' } },
    ]);
  });

  it('refuses an address that already signs in with another login (email_taken), and changes nothing', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);
    await identity.given('clientlogin-c1', [changeRequested('owner@example.com')]);

    await expect(identity.when(IdentitySubjects.confirmEmail, { data: { token: link('email', 'c1', 'email-1') } })).rejects.toMatchObject({ code: 'email_taken' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
