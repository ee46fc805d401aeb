import type { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { givenActiveClient, link, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.confirm-password-reset', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const resetIssued = {
    type: 'ClientPasswordResetIssued',
    data: { clientId: 'c1', accountId: 'a1', tokenId: 'reset-1', expiresAt: '2099-01-01T00:00:00.000Z', issuedAt: '2026-01-03T09:00:00.000Z' },
  };

  it('records the new password of the client the link was issued for, and signs them in', async () => {
    await givenActiveClient(identity, roster);
    await identity.given('clientlogin-c1', [resetIssued]);

    const login = await identity.when(IdentitySubjects.confirmPasswordReset, { data: { token: link('reset', 'c1', 'reset-1'), password: 'a brand new password' } });

    expect(login).toMatchObject({ tokenType: 'Bearer', user: { id: 'c1', role: 'client' } });
    expect(await identity.newEvents()).toMatchObject([{ streamName: 'clientlogin-c1', type: 'ClientPasswordChanged', data: { clientId: 'c1', tokenId: 'reset-1' } }]);
  });

  it('refuses a link used once already (validation_failed)', async () => {
    await givenActiveClient(identity, roster);
    await identity.given('clientlogin-c1', [resetIssued]);
    await identity.when(IdentitySubjects.confirmPasswordReset, { data: { token: link('reset', 'c1', 'reset-1'), password: 'a brand new password' } });

    await expect(identity.when(IdentitySubjects.confirmPasswordReset, { data: { token: link('reset', 'c1', 'reset-1'), password: 'another new password' } })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await identity.newEvents()).toEqual([]);
  });
});
