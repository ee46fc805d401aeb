import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { coach, givenAccount, owner, startIdentity } from '../../testing/identity-use-cases';

describe('identity.cmd.update-account', () => {
  let identity: UseCaseHarness;
  beforeEach(async () => ({ identity } = await startIdentity()));
  afterEach(() => identity.close());

  it('changes the seat limit, and answers the account', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.updateAccount, { actor: owner, data: { seatLimit: 25 } })).resolves.toMatchObject({ id: 'a1', seatLimit: 25 });
    expect(await identity.newEvents()).toMatchObject([{ streamName: 'account-a1', type: 'AccountSeatLimitChanged', data: { accountId: 'a1', seatLimit: 25, previousSeatLimit: 10 } }]);
  });

  it('is for admins only (forbidden), and changes nothing', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.updateAccount, { actor: coach, data: { seatLimit: 25 } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
