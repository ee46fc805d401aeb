import { ClientContactView } from '@clientele/clients/contracts';
import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientLoginStream } from '../../client-access/client-access';
import { contact, givenAccount, givenActiveClient, startIdentity } from '../../testing/identity-use-cases';

describe('identity.query.check-client-session', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
  afterEach(() => identity.close());

  const check = (epoch: number) => identity.when(IdentitySubjects.checkClientSession, { data: { clientId: 'c1', epoch } });

  it('holds a full-access client’s token of the current epoch', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);

    expect(await check(0)).toEqual({ valid: true });
    expect(await check(7)).toEqual({ valid: false });
  });

  it('ends the session of a client switched to offline, saying their access is paused (so the app can tell them)', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);
    roster.set('c1', { ...contact(), type: 'offline' });

    expect(await check(0)).toEqual({ valid: false, reason: 'access_paused' });

    await identity.given(clientLoginStream('c1'), [
      { type: 'ClientAccessRevoked', data: { clientId: 'c1', accountId: 'a1', reason: 'offline', revokedAt: '2026-01-02T09:00:00.000Z' } },
    ]);
    expect(await check(0)).toEqual({ valid: false, reason: 'access_paused' });
  });

  it('ends a deleted client’s session with no reason', async () => {
    await givenAccount(identity);
    await givenActiveClient(identity, roster);
    roster.delete('c1');

    expect(await check(0)).toEqual({ valid: false });
  });
});
