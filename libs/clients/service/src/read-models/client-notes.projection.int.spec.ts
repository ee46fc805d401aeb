import { ClientAddedData, ClientEvent } from '@clientele/clients/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { ClientEventCodec } from '../personal-data';
import { CLIENTS, ClientDoc, toProfile } from './client-doc';
import { CLIENT_NOTES, ClientsProjection, NoteDoc } from './clients.projection';

const at = '2026-11-21T10:00:00.000Z';
const added = (clientId: string): ClientAddedData => ({
  clientId,
  accountId: 'a1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: `${clientId}@example.com`,
  phone: null,
  type: 'offline',
  status: 'active',
  coachId: 'coach-1',
  source: { kind: 'manual' },
  sendInvitation: false,
  appAccess: 'none',
  addedAt: at,
  addedBy: 'coach-1',
});
const note = (clientId: string, n: number): ClientEvent => ({
  type: 'ClientNoteAdded',
  data: { clientId, accountId: 'a1', noteId: `${clientId}-n${n}`, body: `Note ${n}`, authorId: 'coach-1', addedAt: at },
});

/** Issue 17: notes live one document a note; the profile keeps the latest 5 and a count, and a deleted client's notes go too. */
describe('ClientsProjection, notes', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let codec: ClientEventCodec;

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:' });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    codec = new ClientEventCodec(new PersonalDataCipher(new KeyStore(documents)));
  });
  afterEach(async () => {
    await events.close();
    await documents.close();
  });

  async function record(clientId: string, stream: ClientEvent[]) {
    await events.appendToStream(
      `client-${clientId}`,
      await Promise.all(stream.map(async (event) => ({ id: randomUUID(), type: event.type, data: await codec.encode(event) }))),
      { expectedRevision: 'no_stream' },
    );
  }

  it('keeps each note in its own document and only the latest 5 in the profile, idempotently', async () => {
    await record('c1', [{ type: 'ClientAdded', data: added('c1') }, ...Array.from({ length: 12 }, (_, i) => note('c1', i + 1))]);
    await record('c2', [{ type: 'ClientAdded', data: added('c2') }, note('c2', 1), note('c2', 2), { type: 'ClientDeleted', data: { clientId: 'c2', accountId: 'a1', deletedAt: at, deletedBy: 'u1' } }]);

    const { once, twice } = await applyTwice(documents, new ClientsProjection(documents, codec), await events.readAll(), [CLIENTS, CLIENT_NOTES]);
    expect(twice).toEqual(once);

    const profile = toProfile((await documents.collection<ClientDoc>(CLIENTS).get('c1'))!);
    expect(profile.notes.map((n) => n.body)).toEqual(['Note 8', 'Note 9', 'Note 10', 'Note 11', 'Note 12']);
    expect(profile.notesTotal).toBe(12);
    const notes = await documents.collection<NoteDoc>(CLIENT_NOTES).find({ clientId: 'c1' }, { sort: [['revision', -1]] });
    expect(notes.map((n) => n.body)).toEqual(Array.from({ length: 12 }, (_, i) => `Note ${12 - i}`));
    // The deleted client's notes are gone with it.
    expect(await documents.collection(CLIENT_NOTES).count({ clientId: 'c2' })).toBe(0);
  });

  it('moves the inline notes of a profile written before notes had their own collection out with the next note', async () => {
    await record('c1', [{ type: 'ClientAdded', data: added('c1') }, note('c1', 1), note('c1', 2)]);
    const projection = new ClientsProjection(documents, codec);
    const [addedEvent] = await events.readAll();
    await documents.commit(await projection.handle(addedEvent));
    // What the projection wrote before: every note inline, no count.
    const stored = (await documents.collection<ClientDoc>(CLIENTS).get('c1'))!;
    const legacyNotes = Array.from({ length: 8 }, (_, i) => ({ id: `old-${i}`, body: `Old ${i}`, authorId: 'coach-1', createdAt: at }));
    const { notesTotal: _dropped, ...legacy } = stored;
    await documents.commit([{ op: 'upsert', collection: CLIENTS, doc: { ...legacy, notes: legacyNotes, version: 0 } }]);
    expect(toProfile((await documents.collection<ClientDoc>(CLIENTS).get('c1'))!)).toMatchObject({ notesTotal: 8, notes: legacyNotes.slice(-5) });

    const [, first, second] = await events.readAll();
    await documents.commit(await projection.handle(first));
    await documents.commit(await projection.handle(second));
    const profile = toProfile((await documents.collection<ClientDoc>(CLIENTS).get('c1'))!);
    expect(profile.notesTotal).toBe(10);
    expect(profile.notes.map((n) => n.body)).toEqual(['Old 5', 'Old 6', 'Old 7', 'Note 1', 'Note 2']);
    const notes = await documents.collection<NoteDoc>(CLIENT_NOTES).find({ clientId: 'c1' }, { sort: [['revision', -1]] });
    expect(notes.map((n) => n.body)).toEqual(['Note 2', 'Note 1', ...legacyNotes.map((n) => n.body).reverse()]);
  });
});
