import type { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects, type AddressSignsInResult } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { givenAccount, givenActiveClient, startIdentity } from '../../testing/identity-use-cases';

describe('identity.query.address-signs-in', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const ask = (email: string, except?: string) => identity.when<AddressSignsInResult>(IdentitySubjects.addressSignsIn, { data: { email, ...(except ? { except } : {}) } });

  it('says whether an address signs in to a login, staff or client, whatever its case', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);

    await expect(ask('Owner@Example.com')).resolves.toEqual({ signsIn: true });
    await expect(ask('mo@example.com')).resolves.toEqual({ signsIn: true });
    await expect(ask('nobody@example.com')).resolves.toEqual({ signsIn: false });
    await expect(ask('')).resolves.toEqual({ signsIn: false });
  });

  it('does not count the address of the login asked about: a client may keep, or go back to, their own', async () => {
    await givenActiveClient(identity, roster);

    await expect(ask('mo@example.com', 'c1')).resolves.toEqual({ signsIn: false });
    await expect(ask('mo@example.com', 'c2')).resolves.toEqual({ signsIn: true });
    // Only a question: nothing is recorded.
    expect(await identity.newEvents()).toEqual([]);
  });
});
