import { IdentitySubjects, type LoginResult } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { StaffResetLinks } from '../../staff-access/staff-reset-links';
import { coach, givenAccount, givenCoach, link, startIdentity } from '../../testing/identity-use-cases';

const JWT_SECRET = 'a use-case secret of at least thirty-two characters';
const staffLink = (userId: string, tokenId: string) => new StaffResetLinks(JWT_SECRET).create(userId, tokenId);

describe('identity.cmd.confirm-staff-password-reset', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  const issued = (tokenId: string, expiresAt = '2099-01-01T00:00:00.000Z') => ({
    type: 'StaffPasswordResetIssued',
    data: { userId: coach.id, accountId: 'a1', tokenId, expiresAt, issuedAt: '2026-12-05T09:00:00.000Z', requestedBy: 'u-owner' },
  });

  it('records the new password of the member the link was issued for, signs them in, and the new password works', async () => {
    await givenAccount(identity);
    await givenCoach(identity);
    await identity.given(`staff-${coach.id}`, [issued('r1')]);

    const login = await identity.when<LoginResult>(IdentitySubjects.confirmStaffPasswordReset, { data: { token: staffLink(coach.id, 'r1'), password: 'a brand new password' } });

    expect(login).toMatchObject({ tokenType: 'Bearer', user: { id: coach.id, role: 'coach', email: 'coach@example.com' } });
    expect(await identity.newEvents()).toMatchObject([{ streamName: `staff-${coach.id}`, type: 'StaffPasswordChanged', data: { userId: coach.id, tokenId: 'r1' } }]);
    await expect(identity.when(IdentitySubjects.login, { data: { email: 'coach@example.com', password: 'a brand new password' } })).resolves.toMatchObject({ user: { id: coach.id } });
  });

  it('refuses a link used once already, an expired one, a forged one and a client link (validation_failed)', async () => {
    await givenAccount(identity);
    await givenCoach(identity);
    await identity.given(`staff-${coach.id}`, [issued('r1')]);
    await identity.when(IdentitySubjects.confirmStaffPasswordReset, { data: { token: staffLink(coach.id, 'r1'), password: 'a brand new password' } });
    await identity.newEvents();

    const refused = (token: string) => expect(identity.when(IdentitySubjects.confirmStaffPasswordReset, { data: { token, password: 'another new password' } })).rejects.toMatchObject({ code: 'validation_failed' });
    await refused(staffLink(coach.id, 'r1'));
    await identity.given(`staff-${coach.id}`, [issued('r2', '2020-01-01T00:00:00.000Z')]);
    await refused(staffLink(coach.id, 'r2'));
    await refused(`${staffLink(coach.id, 'r1').slice(0, -3)}abc`);
    await refused(link('reset', coach.id, 'r1'));
    expect(await identity.newEvents()).toEqual([]);
  });

  it('is what the public reset route (identity.cmd.confirm-password-reset) does with a staff link', async () => {
    await givenAccount(identity);
    await givenCoach(identity);
    await identity.given(`staff-${coach.id}`, [issued('r1')]);

    await expect(identity.when(IdentitySubjects.confirmPasswordReset, { data: { token: staffLink(coach.id, 'r1'), password: 'a brand new password' } })).resolves.toMatchObject({
      user: { id: coach.id, role: 'coach' },
    });
    expect(await identity.newEvents()).toMatchObject([{ type: 'StaffPasswordChanged', data: { userId: coach.id, tokenId: 'r1' } }]);
  });
});
