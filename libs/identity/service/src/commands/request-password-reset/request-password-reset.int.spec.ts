import type { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { givenAccount, givenActiveClient, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.request-password-reset', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  it('answers at once, then issues a reset to a client who signs in with that address', async () => {
    await givenActiveClient(identity, roster);

    await expect(identity.when(IdentitySubjects.requestPasswordReset, { data: { email: 'Mo@Example.com' } })).resolves.toEqual({ accepted: true });
    expect(await identity.eventually(1)).toMatchObject([{ streamName: 'clientlogin-c1', type: 'ClientPasswordResetIssued', data: { clientId: 'c1', accountId: 'a1' } }]);
  });

  it('answers the same for a staff member’s address, then issues a staff reset link to them (issue 21)', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.requestPasswordReset, { data: { email: 'Owner@Example.com' } })).resolves.toEqual({ accepted: true });
    expect(await identity.eventually(1)).toMatchObject([{ streamName: 'staff-u-owner', type: 'StaffPasswordResetIssued', data: { userId: 'u-owner', accountId: 'a1', requestedBy: null } }]);
  });

  it('answers the same for an unknown address, and issues nothing', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.requestPasswordReset, { data: { email: 'nobody@example.com' } })).resolves.toEqual({ accepted: true });
    expect(await identity.eventually(1, 300)).toEqual([]);
  });
});
