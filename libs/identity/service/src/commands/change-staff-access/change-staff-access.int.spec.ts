import { IdentitySubjects, type LoginResult } from '@clientele/identity/contracts';
import { staffActor, type UseCaseHarness } from '@clientele/platform/testing';
import { PASSWORD, coach, givenAccount, givenCoach, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.change-staff-access', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it("changes a coach's capabilities, answers the member, and their next sign-in carries the new ones", async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(
      identity.when(IdentitySubjects.changeStaffAccess, { actor: owner, data: { userId: coach.id, capabilities: ['create_clients', 'import_clients'] } }),
    ).resolves.toMatchObject({ id: coach.id, role: 'coach', capabilities: ['create_clients', 'import_clients'] });
    expect(await identity.newEvents()).toMatchObject([
      {
        streamName: `staff-${coach.id}`,
        type: 'StaffMemberAccessChanged',
        data: { userId: coach.id, role: 'coach', capabilities: ['create_clients', 'import_clients'], previousCapabilities: ['create_clients'], changedBy: owner.id },
      },
    ]);
    const login = await identity.when<LoginResult>(IdentitySubjects.login, { data: { email: 'coach@example.com', password: PASSWORD } });
    const claims = JSON.parse(Buffer.from(login.accessToken.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ role: 'coach', caps: ['create_clients', 'import_clients'], ver: 1 });
  });

  it("ends the member's tokens issued before (they carry the old role)", async () => {
    await givenAccount(identity);
    await givenCoach(identity);
    await identity.when(IdentitySubjects.changeStaffAccess, { actor: owner, data: { userId: coach.id, role: 'admin' } });

    await expect(identity.when(IdentitySubjects.checkStaffSession, { data: { userId: coach.id, epoch: 0 } })).resolves.toEqual({ valid: false });
    await expect(identity.when(IdentitySubjects.checkStaffSession, { data: { userId: coach.id, epoch: 1 } })).resolves.toEqual({ valid: true });
  });

  it('keeps the owner an admin (owner_role_fixed) and refuses a change of one’s own role (own_role_fixed)', async () => {
    await givenAccount(identity);
    const otherAdmin = staffActor('admin', 'u-other-admin', 'a1');

    await expect(identity.when(IdentitySubjects.changeStaffAccess, { actor: otherAdmin, data: { userId: owner.id, role: 'coach' } })).rejects.toMatchObject({ code: 'owner_role_fixed' });
    await expect(identity.when(IdentitySubjects.changeStaffAccess, { actor: owner, data: { userId: owner.id, role: 'coach' } })).rejects.toMatchObject({ code: 'owner_role_fixed' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('answers not_found for a member of another business, and forbidden for a coach', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.changeStaffAccess, { actor: staffActor('admin', 'u-elsewhere', 'a2'), data: { userId: coach.id, role: 'admin' } })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(identity.when(IdentitySubjects.changeStaffAccess, { actor: coach, data: { userId: coach.id, capabilities: ['delete_clients'] } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
