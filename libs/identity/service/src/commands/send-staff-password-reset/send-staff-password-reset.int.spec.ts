import { IdentityEvents, IdentitySubjects, type StaffMailEnvelope } from '@clientele/identity/contracts';
import { staffActor, type UseCaseHarness } from '@clientele/platform/testing';
import { coach, givenAccount, givenCoach, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.send-staff-password-reset', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it('issues a single-use link for the member, and the mail goes to the address they sign in with', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.sendStaffPasswordReset, { actor: owner, data: { userId: coach.id } })).resolves.toEqual({ accepted: true });
    const [issued] = await identity.newEvents();
    expect(issued).toMatchObject({ streamName: `staff-${coach.id}`, type: 'StaffPasswordResetIssued', data: { userId: coach.id, accountId: 'a1', requestedBy: owner.id } });
    const tokenId = (issued.data as { tokenId: string }).tokenId;
    const envelope = await identity.when<StaffMailEnvelope>(IdentitySubjects.staffMailEnvelope, {
      data: { mailId: 'm1', kind: 'password_reset', userId: coach.id, accountId: 'a1', tokenId },
    });
    expect(envelope).toEqual({ businessName: 'Run Club', firstName: 'Paula', to: 'coach@example.com', link: expect.stringMatching(/^http:\/\/clientele\.test\/reset-password\?token=staff\./) });
    expect(IdentityEvents.staffMailRequested).toBe('identity.staff.mail-requested.v1');
  });

  it('answers not_found for a member of another business, and forbidden for a coach; issues nothing', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.sendStaffPasswordReset, { actor: staffActor('admin', 'u-elsewhere', 'a2'), data: { userId: coach.id } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(identity.when(IdentitySubjects.sendStaffPasswordReset, { actor: owner, data: { userId: 'nobody' } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(identity.when(IdentitySubjects.sendStaffPasswordReset, { actor: coach, data: { userId: coach.id } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
