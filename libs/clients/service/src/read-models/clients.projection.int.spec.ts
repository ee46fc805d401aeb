import { ClientAddedData, ClientEvent } from '@clientele/clients/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ClientEventCodec } from '../personal-data';
import { CLIENTS } from './client-doc';
import { CLIENT_NOTES, CLIENT_PURCHASES, ClientsProjection } from './clients.projection';

const at = '2026-11-21T10:00:00.000Z';
const client = (clientId: string, lastName: string): ClientAddedData => ({
  clientId,
  accountId: 'a1',
  firstName: 'Ada',
  lastName,
  email: `${clientId}@example.com`,
  phone: null,
  type: 'offline',
  status: 'pending',
  coachId: 'coach-1',
  source: { kind: 'manual' },
  sendInvitation: false,
  appAccess: 'none',
  addedAt: at,
  addedBy: 'coach-1',
});

describe('ClientsProjection', () => {
  it('gives the same read models when every event (of every kind) is applied twice', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    const codec = new ClientEventCodec(new PersonalDataCipher(new KeyStore(documents)));
    const ids = (clientId: string) => ({ clientId, accountId: 'a1' });
    const history: Record<string, ClientEvent[]> = {
      c1: [
        { type: 'ClientAdded', data: client('c1', 'Lovelace') },
        { type: 'ClientActivated', data: { ...ids('c1'), activatedAt: at } },
        { type: 'ClientTypeChanged', data: { ...ids('c1'), from: 'offline', to: 'full_access', effect: 'invitation', appAccess: 'invited', changedAt: at, changedBy: 'u1' } },
        { type: 'ClientContactChanged', data: { ...ids('c1'), changes: { lastName: 'Byron', phone: '+44 1' }, changedAt: at, changedBy: 'u1' } },
        { type: 'ClientNoteAdded', data: { ...ids('c1'), noteId: 'n1', body: 'First note', authorId: 'u1', addedAt: at } },
        { type: 'ClientNoteAdded', data: { ...ids('c1'), noteId: 'n2', body: 'Second note', authorId: 'u1', addedAt: at } },
        { type: 'ClientReassigned', data: { ...ids('c1'), from: 'coach-1', to: 'coach-2', reassignedAt: at, reassignedBy: 'u1' } },
        { type: 'ClientLoginDetailsRequested', data: { ...ids('c1'), kind: 'invitation', requestedAt: at, requestedBy: 'u1' } },
        { type: 'ClientMessageRecorded', data: { ...ids('c1'), messageId: 'm1', from: 'coach', sentAt: '2026-11-21T11:00:00.000Z' } },
        { type: 'ClientMessageRecorded', data: { ...ids('c1'), messageId: 'm2', from: 'client', sentAt: '2026-11-21T12:00:00.000Z' } },
        { type: 'ClientPurchaseRecorded', data: { ...ids('c1'), purchaseId: 'x1', productId: 'p1', amount: { amount: 4900, currency: 'EUR' }, purchasedAt: at } },
      ],
      c2: [
        { type: 'ClientAdded', data: client('c2', 'Hopper') },
        { type: 'ClientDeleted', data: { ...ids('c2'), deletedAt: at, deletedBy: 'u1' } },
      ],
    };
    for (const [id, stream] of Object.entries(history)) {
      await events.appendToStream(
        `client-${id}`,
        await Promise.all(stream.map(async (event) => ({ id: randomUUID(), type: event.type, data: await codec.encode(event) }))),
        { expectedRevision: 'no_stream' },
      );
    }
    const { once, twice } = await applyTwice(documents, new ClientsProjection(documents, codec), await events.readAll(), [CLIENTS, CLIENT_PURCHASES, CLIENT_NOTES]);
    expect(twice).toEqual(once);
    const docs = (once as Record<string, Array<Record<string, unknown>>>)[CLIENTS];
    expect(docs).toHaveLength(1);
    expect(docs[0]).toMatchObject({
      id: 'c1',
      lastName: 'Byron',
      lastNameKey: 'byron',
      emailKey: 'c1@example.com',
      phone: '+44 1',
      type: 'full_access',
      status: 'active',
      appAccess: 'invited',
      coachId: 'coach-2',
      version: 10,
      lastActivityAt: '2026-11-21T12:00:00.000Z',
      kpis: { messagesFromCoach: 1, messagesFromClient: 1, lastMessageAt: '2026-11-21T12:00:00.000Z', purchases: 1, totalSpent: { amount: 4900, currency: 'EUR' } },
      notes: [expect.objectContaining({ id: 'n1', body: 'First note' }), expect.objectContaining({ id: 'n2', body: 'Second note' })],
      notesTotal: 2,
    });
    await events.close();
    await documents.close();
  });
});
