import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, givenAccount, givenCoach, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.sign-out', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it('ends the staff member’s access epoch', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.signOut, { actor: coach, data: {} })).resolves.toEqual({ signedOut: true });
    expect(await identity.newEvents()).toMatchObject([{ streamName: `staff-${coach.id}`, type: 'StaffMemberSignedOut', data: { userId: coach.id, accountId: 'a1' } }]);
  });

  it('needs a signed-in caller (unauthorized)', async () => {
    await expect(identity.when(IdentitySubjects.signOut, { data: {} })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
