import type { ClientAddedData, ClientEvent, MeasurementEvent } from '@clientele/clients/domain';
import { SqliteDocumentStore } from '@clientele/platform/document-store';
import { SqliteEventStore } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { applyTwice } from '@clientele/platform/testing';
import { randomUUID } from 'node:crypto';
import { MeasurementEventCodec } from '../measurement-data';
import { ClientEventCodec } from '../personal-data';
import { CLIENT_MEASUREMENTS, MeasurementDoc, MeasurementsProjection } from './measurements.projection';

const at = '2026-11-21T10:00:00.000Z';
const added = (clientId: string): ClientAddedData => ({
  clientId,
  accountId: 'a1',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: `${clientId}@example.com`,
  phone: null,
  type: 'full_access',
  status: 'active',
  coachId: 'coach-1',
  source: { kind: 'manual' },
  sendInvitation: false,
  appAccess: 'active',
  addedAt: at,
  addedBy: 'coach-1',
});
const measured = (clientId: string, n: number): MeasurementEvent => ({
  type: 'ClientMeasurementRecorded',
  data: {
    clientId,
    accountId: 'a1',
    measurementId: `${clientId}-m${n}`,
    measuredAt: `2026-0${n}-01T00:00:00.000Z`,
    values: { weight: 70 + n, waist: 80 },
    recordedAt: at,
    recordedBy: 'coach-1',
    recordedByRole: 'staff',
  },
});

describe('MeasurementsProjection', () => {
  let events: SqliteEventStore;
  let documents: SqliteDocumentStore;
  let cipher: PersonalDataCipher;
  let codec: MeasurementEventCodec;

  beforeEach(() => {
    events = new SqliteEventStore({ filename: ':memory:' });
    documents = new SqliteDocumentStore({ filename: ':memory:' });
    cipher = new PersonalDataCipher(new KeyStore(documents));
    codec = new MeasurementEventCodec(new ClientEventCodec(cipher), cipher);
  });
  afterEach(async () => {
    await events.close();
    await documents.close();
  });

  async function record(clientId: string, stream: Array<ClientEvent | MeasurementEvent>) {
    await events.appendToStream(
      `client-${clientId}`,
      await Promise.all(stream.map(async (event) => ({ id: randomUUID(), type: event.type, data: await codec.encode(event) }))),
      { expectedRevision: 'no_stream' },
    );
  }

  it('keeps one document a measurement with its values opened, deletes a deleted client’s, and applying every event twice changes nothing', async () => {
    const note: ClientEvent = { type: 'ClientNoteAdded', data: { clientId: 'c1', accountId: 'a1', noteId: 'n1', body: 'Knee', authorId: 'coach-1', addedAt: at } };
    await record('c1', [{ type: 'ClientAdded', data: added('c1') }, measured('c1', 1), note, measured('c1', 2)]);
    await record('c2', [
      { type: 'ClientAdded', data: added('c2') },
      measured('c2', 1),
      measured('c2', 2),
      { type: 'ClientDeleted', data: { clientId: 'c2', accountId: 'a1', deletedAt: at, deletedBy: 'u1' } },
    ]);

    const { once, twice } = await applyTwice(documents, new MeasurementsProjection(documents, codec), await events.readAll(), [CLIENT_MEASUREMENTS]);
    expect(twice).toEqual(once);

    const kept = await documents.collection<MeasurementDoc>(CLIENT_MEASUREMENTS).find({ clientId: 'c1' }, { sort: [['measuredAt', 1]] });
    expect(kept).toEqual([
      expect.objectContaining({ id: 'c1-m1', values: { weight: 71, waist: 80 }, revision: 1, recordedByRole: 'staff' }),
      expect.objectContaining({ id: 'c1-m2', values: { weight: 72, waist: 80 }, revision: 3 }),
    ]);
    expect(await documents.collection(CLIENT_MEASUREMENTS).count({ clientId: 'c2' })).toBe(0);
  });

  it('writes nothing for a measurement whose client’s key was shredded (a replay after the deletion)', async () => {
    await record('c3', [{ type: 'ClientAdded', data: added('c3') }, measured('c3', 1)]);
    await cipher.shred('c3');
    const projection = new MeasurementsProjection(documents, codec);
    for (const event of await events.readAll()) await documents.commit(await projection.handle(event));
    expect(await documents.collection(CLIENT_MEASUREMENTS).count({ clientId: 'c3' })).toBe(0);
  });
});
