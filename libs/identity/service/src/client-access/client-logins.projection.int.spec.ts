import { ClientLoginEvent } from '@clientele/identity/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { LOGINS } from '../read-models/identity-views.projection';
import { ClientLoginCodec } from './client-login-codec';
import { CLIENT_LOGINS, ClientLoginsProjection } from './client-logins.projection';

describe('ClientLoginsProjection', () => {
  it('gives the same client logins and sign-in index when every event is applied twice', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const codec = new ClientLoginCodec(new PersonalDataCipher(new KeyStore(documents)));
    const at = '2026-11-21T10:00:00.000Z';
    const ids = (clientId: string) => ({ clientId, accountId: 'a1' });
    const streams: Record<string, ClientLoginEvent[]> = {
      c1: [
        { type: 'ClientInvitationIssued', data: { ...ids('c1'), tokenId: 't1', expiresAt: at, issuedAt: at, reason: 'added' } },
        { type: 'ClientInvitationAccepted', data: { ...ids('c1'), tokenId: 't1', email: 'Ada@Example.com', firstName: 'Ada', lastName: 'L', passwordHash: 'h1', acceptedAt: at } },
        { type: 'ClientAccessRevoked', data: { ...ids('c1'), reason: 'offline', revokedAt: at } },
        { type: 'ClientAccessRestored', data: { ...ids('c1'), restoredAt: at } },
        { type: 'ClientPasswordResetIssued', data: { ...ids('c1'), tokenId: 'r1', expiresAt: at, issuedAt: at } },
        { type: 'ClientPasswordChanged', data: { ...ids('c1'), tokenId: 'r1', passwordHash: 'h2', changedAt: at } },
      ],
      c2: [
        { type: 'ClientInvitationIssued', data: { ...ids('c2'), tokenId: 't2', expiresAt: at, issuedAt: at, reason: 'added' } },
        { type: 'ClientInvitationAccepted', data: { ...ids('c2'), tokenId: 't2', email: 'bo@example.com', firstName: 'Bo', lastName: 'B', passwordHash: 'h', acceptedAt: at } },
        { type: 'ClientLoginRemoved', data: { ...ids('c2'), removedAt: at } },
      ],
    };
    for (const [id, stream] of Object.entries(streams)) {
      await events.appendToStream(
        `clientlogin-${id}`,
        await Promise.all(stream.map(async (event) => ({ id: randomUUID(), type: event.type, data: await codec.encode(event) }))),
        { expectedRevision: 'no_stream' },
      );
    }
    const { once, twice } = await applyTwice(documents, new ClientLoginsProjection(documents, codec), await events.readAll(), [CLIENT_LOGINS, LOGINS]);
    expect(twice).toEqual(once);
    const views = once as Record<string, Array<Record<string, unknown>>>;
    expect(views[CLIENT_LOGINS]).toEqual([expect.objectContaining({ id: 'c1', access: 'active', epoch: 2, loginKey: 'ada@example.com' })]);
    expect(views[LOGINS]).toEqual([expect.objectContaining({ id: 'ada@example.com', userId: 'c1', role: 'client', passwordHash: 'h2' })]);
    await events.close();
    await documents.close();
  });
});
