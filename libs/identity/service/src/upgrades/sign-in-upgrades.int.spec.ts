import { ClientLoginEvent, holderOf, loginEmailDecider } from '@clientele/identity/domain';
import type { RequestClient } from '@clientele/platform/bus';
import { fold } from '@clientele/platform/core';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { JsonLogger } from '@clientele/platform/logging';
import { randomUUID } from 'node:crypto';
import { ClientAccess } from '../client-access/client-access';
import { CLIENT_LOGINS } from '../read-models/client-logins.projection';
import { LOGINS } from '../read-models/identity-views.projection';
import { loginEmailStream, loginKeyOf } from '../streams';
import { claimExistingClientSignIns, rebuildSignInIndexOnce } from './sign-in-upgrades';

const noRequests = { request: () => Promise.reject(new Error('not used')) } as unknown as RequestClient;

describe('the upgrade to the sign-in registry', () => {
  it('rebuilds the sign-in index and client logins once, from the events', async () => {
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    // What an earlier version left: entries keyed by the address itself.
    await documents.commit([
      { op: 'upsert', collection: LOGINS, doc: { id: 'ada@example.com', userId: 'c1' } },
      { op: 'upsert', collection: CLIENT_LOGINS, doc: { id: 'c1', loginKey: 'ada@example.com' } },
      { op: 'checkpoint', processor: 'identity_client_logins', position: 42n },
    ]);
    await rebuildSignInIndexOnce(documents);
    expect(await documents.collection(LOGINS).count()).toBe(0);
    expect(await documents.collection(CLIENT_LOGINS).count()).toBe(0);
    expect(await documents.getCheckpoint('identity_client_logins')).toBeNull();

    // Once only: what the rebuilt projections write afterwards stays.
    await documents.commit([{ op: 'upsert', collection: CLIENT_LOGINS, doc: { id: 'c1', loginKey: loginKeyOf('ada@example.com') } }]);
    await rebuildSignInIndexOnce(documents);
    expect(await documents.collection(CLIENT_LOGINS).count()).toBe(1);
    await documents.close();
  });

  it('claims the address of every client who signs in, once, from the events, and leaves an address someone else holds to them', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const access = new ClientAccess(events, documents, noRequests, 'a secret of at least thirty-two characters', documents);
    const warnings: string[] = [];
    const logger = new JsonLogger('warn', { write: (line: string) => void warnings.push(line) });
    const at = '2026-11-21T10:00:00.000Z';
    const history = async (clientId: string, list: ClientLoginEvent[]) =>
      events.appendToStream(
        `clientlogin-${clientId}`,
        await Promise.all(list.map(async (event) => ({ id: randomUUID(), type: event.type, data: await access.codec.encode(event) }))),
        { expectedRevision: 'no_stream' },
      );
    const accepted = (clientId: string, email: string): ClientLoginEvent => ({
      type: 'ClientInvitationAccepted',
      data: { clientId, accountId: 'a1', tokenId: 't', email, firstName: 'A', lastName: 'B', passwordHash: 'h', acceptedAt: at },
    });
    await history('c1', [
      accepted('c1', 'ada@example.com'),
      { type: 'ClientSignInEmailChanged', data: { clientId: 'c1', accountId: 'a1', tokenId: 'e', email: 'ada@new.example', previousEmail: 'ada@example.com', changedAt: at } },
    ]);
    await history('c2', [accepted('c2', 'bo@example.com')]);
    await history('c3', [accepted('c3', 'cy@example.com'), { type: 'ClientLoginRemoved', data: { clientId: 'c3', accountId: 'a1', removedAt: at } }]);
    // Someone signed up with Bo's address before the registry knew clients.
    await access.claimAddress('bo@example.com', { clientId: 'squatter', accountId: 'a9', purpose: 'invitation', tokenId: 't' }, {});

    await claimExistingClientSignIns(events, documents, access, logger);
    await claimExistingClientSignIns(events, documents, access, logger);
    const holder = async (email: string) => holderOf(fold(loginEmailDecider, (await events.readStream(loginEmailStream(email))) as never));
    expect(await holder('ada@new.example')).toBe('c1');
    expect(await holder('ada@example.com')).toBeNull();
    expect(await holder('bo@example.com')).toBe('squatter');
    expect(await holder('cy@example.com')).toBeNull();
    expect(warnings.filter((line) => line.includes('client c2'))).toHaveLength(1);
    expect(warnings.join('\n')).not.toContain('bo@example.com');
    await events.close();
    await documents.close();
  });

  it('a claim made again after it was abandoned holds the address again (the same link used once more)', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const access = new ClientAccess(events, documents, noRequests, 'a secret of at least thirty-two characters', documents);
    const claim = { clientId: 'c1', accountId: 'a1', purpose: 'invitation' as const, tokenId: 't1', passwordHash: 'scrypt$secret' };
    await access.claimAddress('ada@example.com', claim, {});
    await access.releaseAddress('ada@example.com', 'c1', 'claim_abandoned', 'abandon', {});
    await access.claimAddress('ada@example.com', claim, {});
    const history = await events.readStream(loginEmailStream('ada@example.com'));
    expect(holderOf(fold(loginEmailDecider, history as never))).toBe('c1');
    // The password travels sealed with the client's key: not in clear in the registry, and gone once the key is shredded.
    expect(JSON.stringify(history.map((event) => event.data))).not.toContain('scrypt$secret');
    const [first] = history as unknown as Array<{ data: { clientSignIn: Parameters<ClientAccess['claimedPasswordHash']>[0] } }>;
    expect(await access.claimedPasswordHash(first.data.clientSignIn)).toBe('scrypt$secret');
    await access.cipher.shred('c1');
    expect(await access.claimedPasswordHash(first.data.clientSignIn)).toBeNull();
    await events.close();
    await documents.close();
  });
});
