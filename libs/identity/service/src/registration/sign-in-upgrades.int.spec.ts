import { loginEmailDecider } from '@clientele/identity/domain';
import type { RequestClient } from '@clientele/platform/bus';
import { fold } from '@clientele/platform/core';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { JsonLogger } from '@clientele/platform/logging';
import { ClientAccess } from '../client-access/client-access';
import { CLIENT_LOGINS } from '../client-access/client-logins.projection';
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

  it('claims the address of every client who signs in, once, and leaves an address someone else holds to them', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const access = new ClientAccess(events, documents, noRequests, 'a secret of at least thirty-two characters', documents);
    const warnings: string[] = [];
    const logger = new JsonLogger('warn', { write: (line: string) => void warnings.push(line) });
    await documents.commit([
      { op: 'upsert', collection: CLIENT_LOGINS, doc: { id: 'c1', accountId: 'a1', access: 'active', epoch: 0, loginKey: loginKeyOf('ada@example.com') } },
      { op: 'upsert', collection: CLIENT_LOGINS, doc: { id: 'c2', accountId: 'a1', access: 'revoked', epoch: 1, loginKey: loginKeyOf('bo@example.com') } },
      { op: 'upsert', collection: CLIENT_LOGINS, doc: { id: 'c3', accountId: 'a1', access: 'invited', epoch: 0, loginKey: null } },
    ]);
    // Someone signed up with Bo's address before the registry knew clients.
    await access.claimAddress('bo@example.com', { clientId: 'squatter', accountId: 'a9', purpose: 'invitation', tokenId: 't' }, {});

    await claimExistingClientSignIns(documents, access, logger);
    await claimExistingClientSignIns(documents, access, logger);
    const holder = async (email: string) => fold(loginEmailDecider, (await events.readStream(loginEmailStream(email))) as never).claimedBy;
    expect(await holder('ada@example.com')).toBe('c1');
    expect(await holder('bo@example.com')).toBe('squatter');
    expect(warnings.filter((line) => line.includes('client c2'))).toHaveLength(1);
    expect(warnings.join('\n')).not.toContain('bo@example.com');
    await events.close();
    await documents.close();
  });
});
