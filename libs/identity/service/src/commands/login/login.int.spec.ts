import { IdentitySubjects } from '@clientele/identity/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { ClientContactView } from '@clientele/clients/contracts';
import { clientLoginStream } from '../../client-access/client-access';
import { PASSWORD, contact, givenAccount, givenActiveClient, owner, startIdentity } from '../../testing/identity-use-cases';
import { ACCESS_PAUSED_SENTENCE } from './login.message-controller';

describe('identity.cmd.login', () => {
  let identity: UseCaseHarness;
  let roster: Map<string, ClientContactView>;
  beforeEach(async () => ({ identity, roster } = await startIdentity()));
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

  describe('a client their coach switched to offline', () => {
    const login = (password: string) => identity.when(IdentitySubjects.login, { data: { email: 'mo@example.com', password } });
    const generic = { code: 'invalid_credentials', detail: 'The e-mail address or the password is not right.' };

    beforeEach(async () => {
      await givenAccount(identity);
      await givenActiveClient(identity, roster);
    });

    it('signs in while the roster has them on a full-access type', async () => {
      await expect(login(PASSWORD)).resolves.toMatchObject({ user: { id: 'c1', role: 'client' } });
    });

    it('with the right password, is told in plain words that their coach paused their access (same code)', async () => {
      roster.set('c1', { ...contact(), type: 'offline' });
      await identity.given(clientLoginStream('c1'), [
        { type: 'ClientAccessRevoked', data: { clientId: 'c1', accountId: 'a1', reason: 'offline', revokedAt: '2026-01-02T09:00:00.000Z' } },
      ]);

      await expect(login(PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials', detail: ACCESS_PAUSED_SENTENCE });
      expect(ACCESS_PAUSED_SENTENCE).toMatch(/coach has paused your access/);
    });

    it('says so as soon as the roster has them offline, before the revocation reaches identity', async () => {
      roster.set('c1', { ...contact(), type: 'offline' });

      await expect(login(PASSWORD)).rejects.toMatchObject({ code: 'invalid_credentials', detail: ACCESS_PAUSED_SENTENCE });
    });

    it('with a wrong password, gets the same answer as anyone else: nothing is revealed', async () => {
      roster.set('c1', { ...contact(), type: 'offline' });

      await expect(login('not the password')).rejects.toMatchObject(generic);
    });

    it('once deleted, gets the same answer as an unknown address, even with the right password', async () => {
      roster.delete('c1');

      await expect(login(PASSWORD)).rejects.toMatchObject(generic);
    });
  });
});
