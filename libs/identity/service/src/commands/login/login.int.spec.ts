import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { PASSWORD, givenAccount, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.login', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it('signs a staff member in with their password, and records nothing', async () => {
    await givenAccount(identity);

    const login = await identity.when(IdentitySubjects.login, { data: { email: 'owner@example.com', password: PASSWORD } });

    expect(login).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String), user: { id: owner.id, role: 'admin', accountId: 'a1' } });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('refuses a wrong password (invalid_credentials)', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.login, { data: { email: 'owner@example.com', password: 'not the password' } })).rejects.toMatchObject({ code: 'invalid_credentials' });
  });
});
