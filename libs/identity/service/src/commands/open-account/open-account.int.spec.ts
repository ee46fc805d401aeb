import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { givenAccount, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.open-account', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  const request = (email: string) => ({ businessName: 'Track Club', seatLimit: 5, owner: { firstName: 'Kelly', lastName: 'Holmes', email, password: 'a long enough password' } });

  it('claims the owner’s address, opens the account and registers its owner as an admin', async () => {
    const { accountId, ownerId } = await identity.when<{ accountId: string; ownerId: string }>(IdentitySubjects.openAccount, { idempotencyKey: 'k1', data: request('kelly@example.com') });

    expect(await identity.newEvents()).toMatchObject([
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailClaimed', data: { userId: ownerId, accountId } },
      { streamName: `account-${accountId}`, type: 'AccountOpened', data: { accountId, businessName: 'Track Club', seatLimit: 5, ownerId } },
      { streamName: `staff-${ownerId}`, type: 'StaffMemberRegistered', data: { userId: ownerId, accountId, email: 'kelly@example.com', role: 'admin', registeredBy: null } },
    ]);
  });

  it('refuses an address that already signs in (email_taken), and opens nothing', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.openAccount, { data: request('Owner@Example.com') })).rejects.toMatchObject({ code: 'email_taken' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
