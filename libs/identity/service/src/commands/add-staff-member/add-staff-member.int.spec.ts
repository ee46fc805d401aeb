import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, givenAccount, givenCoach, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.add-staff-member', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  const request = (email: string) => ({ firstName: 'Mo', lastName: 'Farah', email, role: 'coach', capabilities: ['create_clients'], password: 'a long enough password' });

  it('claims the new member’s address and registers them in the admin’s account', async () => {
    await givenAccount(identity);

    const member = await identity.when<{ id: string }>(IdentitySubjects.addStaffMember, { actor: owner, idempotencyKey: 'k1', data: request('mo@example.com') });

    expect(member).toMatchObject({ email: 'mo@example.com', role: 'coach', capabilities: ['create_clients'] });
    expect(await identity.newEvents()).toMatchObject([
      { streamName: expect.stringMatching(/^loginemail-/), type: 'LoginEmailClaimed', data: { userId: member.id, accountId: 'a1' } },
      { streamName: `staff-${member.id}`, type: 'StaffMemberRegistered', data: { userId: member.id, accountId: 'a1', role: 'coach', registeredBy: owner.id } },
    ]);
  });

  it('refuses an address that already signs in (email_taken), and registers nobody', async () => {
    await givenAccount(identity);
    await givenCoach(identity);

    await expect(identity.when(IdentitySubjects.addStaffMember, { actor: owner, data: request('coach@example.com') })).rejects.toMatchObject({ code: 'email_taken' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('is for admins only (forbidden)', async () => {
    await expect(identity.when(IdentitySubjects.addStaffMember, { actor: coach, data: request('mo@example.com') })).rejects.toMatchObject({ code: 'forbidden' });
  });
});
