import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { PASSWORD, coach, givenAccount, givenCoach, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.change-staff-password', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it('records the new password, ending the tokens issued before, and answers a fresh sign-in', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    const login = await identity.when(IdentitySubjects.changeStaffPassword, { actor: coach, data: { currentPassword: PASSWORD, newPassword: 'a brand new password' } });

    expect(login).toMatchObject({ tokenType: 'Bearer', user: { id: coach.id } });
    const [changed] = await identity.newEvents();
    expect(changed).toMatchObject({ streamName: `staff-${coach.id}`, type: 'StaffPasswordChanged', data: { userId: coach.id, accountId: 'a1' } });
    expect(changed.data.passwordHash).toMatch(/^scrypt\$/);
  });

  it('refuses a wrong current password (validation_failed), and changes nothing', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.changeStaffPassword, { actor: coach, data: { currentPassword: 'not it', newPassword: 'a brand new password' } })).rejects.toMatchObject({
      code: 'validation_failed',
    });
    expect(await identity.newEvents()).toEqual([]);
  });
});
