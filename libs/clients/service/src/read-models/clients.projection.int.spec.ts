import { ClientAddedData } from '@clientele/clients/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { ClientEventCodec } from '../personal-data';
import { CLIENTS } from './client-doc';
import { ClientsProjection } from './clients.projection';

const client = (clientId: string, lastName: string): ClientAddedData => ({
  clientId,
  accountId: 'a1',
  firstName: 'Ada',
  lastName,
  email: `${clientId}@example.com`,
  phone: null,
  type: 'offline',
  status: 'active',
  coachId: 'coach-1',
  source: { kind: 'manual' },
  sendInvitation: false,
  appAccess: 'none',
  addedAt: '2026-11-21T10:00:00.000Z',
  addedBy: 'coach-1',
});

describe('ClientsProjection', () => {
  it('gives the same read models when every event is applied twice', async () => {
    const events = new SqliteEventStore({ filename: ':memory:' });
    const documents = new SqliteDocumentStore({ filename: ':memory:' });
    for (const [id, name] of [['c1', 'Lovelace'], ['c2', 'Hopper']]) {
      await events.appendToStream(`client-${id}`, [{ id: randomUUID(), type: 'ClientAdded', data: { ...client(id, name) } }], { expectedRevision: 'no_stream' });
    }
    const codec = new ClientEventCodec(new PersonalDataCipher(new KeyStore(documents)));
    const { once, twice } = await applyTwice(documents, new ClientsProjection(documents, codec), await events.readAll(), [CLIENTS]);
    expect(twice).toEqual(once);
    expect((once as Record<string, Array<{ id: string; lastNameKey: string }>>)[CLIENTS].map((d) => [d.id, d.lastNameKey])).toEqual([
      ['c1', 'lovelace'],
      ['c2', 'hopper'],
    ]);
    await events.close();
    await documents.close();
  });
});
