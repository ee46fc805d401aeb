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

  it('renames the business (with the seat limit or alone); what is absent stays, and the account answers the new name', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.updateAccount, { actor: owner, data: { businessName: ' Run Club Paris ' } })).resolves.toMatchObject({ businessName: 'Run Club Paris', seatLimit: 10 });
    expect(await identity.newEvents()).toMatchObject([
      { streamName: 'account-a1', type: 'AccountRenamed', data: { accountId: 'a1', businessName: 'Run Club Paris', previousBusinessName: 'Run Club' } },
    ]);
    await expect(identity.when(IdentitySubjects.updateAccount, { actor: owner, data: { businessName: 'Run Club Lyon', seatLimit: 12 } })).resolves.toMatchObject({
      businessName: 'Run Club Lyon',
      seatLimit: 12,
    });
    expect(await identity.newEvents()).toMatchObject([
      { streamName: 'account-a1', type: 'AccountRenamed', data: { businessName: 'Run Club Lyon', previousBusinessName: 'Run Club Paris' } },
      { streamName: 'account-a1', type: 'AccountSeatLimitChanged', data: { seatLimit: 12 } },
    ]);
    await expect(identity.when(IdentitySubjects.getAccount, { data: { accountId: 'a1' } })).resolves.toMatchObject({ businessName: 'Run Club Lyon' });
  });

  it('refuses an empty name (validation_failed) and records nothing, not even the seat limit sent with it', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.updateAccount, { actor: owner, data: { businessName: '  ', seatLimit: 20 } })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(await identity.newEvents()).toEqual([]);
  });

  it('is for admins only (forbidden), and changes nothing', async () => {
    await givenAccount(identity);

    await expect(identity.when(IdentitySubjects.updateAccount, { actor: coach, data: { seatLimit: 25 } })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await identity.newEvents()).toEqual([]);
  });
});
