import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, givenAccount, givenCoach, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.remove-staff-member', () => {
  let identity: UseCaseHarness;
  let assigned: Map<string, number>;
  beforeEach(async () => ({ identity, assigned } = await startIdentity()));
  afterEach(() => identity.close());

  it('removes a coach without clients and frees their address', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.removeStaffMember, { actor: owner, data: { userId: coach.id } })).resolves.toEqual({ removed: true });
    expect(await identity.newEvents()).toMatchObject([
      { streamName: `staff-${coach.id}`, type: 'StaffMemberRemoved', data: { userId: coach.id, accountId: 'a1', removedBy: owner.id } },
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailReleased', data: { userId: coach.id, reason: 'staff_removed' } },
    ]);
  });

  it('refuses a coach who still has clients (staff_has_clients), and removes nothing', async () => {
    await givenAccount(identity);
    await givenCoach(identity);
    assigned.set(coach.id, 3);

    await expect(identity.when(IdentitySubjects.removeStaffMember, { actor: owner, data: { userId: coach.id } })).rejects.toMatchObject({ code: 'staff_has_clients' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('refuses the owner of the business (owner_not_removable)', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.removeStaffMember, { actor: owner, data: { userId: owner.id } })).rejects.toMatchObject({ code: 'owner_not_removable' });
  });
});
