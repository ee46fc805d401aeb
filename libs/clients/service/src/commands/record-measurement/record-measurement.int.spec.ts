import { ClientsSubjects, MeasurementsSubjects, type ClientProfile, type Measurement, type MeasurementList } from '@clientele/clients/contracts';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { staffActor, type UseCaseHarness } from '@clientele/platform/testing';
import { CLIENT_MEASUREMENTS } from '../../read-models/measurements.projection';
import { admin, clientAdded, coach, otherCoach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.record-measurement', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  const record = (data: Record<string, unknown>, actor = coach, idempotencyKey?: string) =>
    clients.when<Measurement>(MeasurementsSubjects.recordMeasurement, { actor, idempotencyKey, data: { clientId: 'c1', ...data } });

  it('records the measurement on the client’s stream, the values sealed, and answers it in the account’s units', async () => {
    await clients.given('client-c1', [clientAdded()]);

    const measurement = await record({ values: { weight: 71.37, waist: 80.5 }, measuredAt: '2026-11-01' });

    expect(measurement).toEqual({
      id: expect.any(String),
      clientId: 'c1',
      measuredAt: '2026-11-01T00:00:00.000Z',
      values: { weight: 71.37, waist: 80.5 },
      recordedAt: expect.any(String),
      recordedBy: coach.id,
      recordedByRole: 'staff',
    });
    const [recorded] = await clients.newEvents();
    expect(recorded).toMatchObject({
      streamName: 'client-c1',
      type: 'ClientMeasurementRecorded',
      data: { clientId: 'c1', measurementId: measurement.id, measures: ['weight', 'waist'], personal: expect.any(String) },
    });
    expect(JSON.stringify(recorded.data)).not.toContain('71.37');
    // The list has it at once (read your writes), and so does the history, opened.
    await expect(clients.when<MeasurementList>(MeasurementsSubjects.listMeasurements, { actor: coach, data: { clientId: 'c1' } })).resolves.toEqual({
      items: [measurement],
      units: 'metric',
    });
    const history = await clients.when<{ items: Array<{ type: string; data: Record<string, unknown> }> }>(ClientsSubjects.getHistory, { actor: coach, data: { clientId: 'c1' } });
    expect(history.items.map((entry) => entry.type)).toEqual(['ClientAdded', 'ClientMeasurementRecorded']);
    expect(history.items[1].data).toMatchObject({ values: { weight: 71.37, waist: 80.5 }, measures: ['weight', 'waist'] });
  });

  it('takes and answers the values in imperial units once the account uses them, storing metric', async () => {
    await clients.given('client-c1', [clientAdded()]);
    await clients.given('measurementunits-a1', [{ type: 'MeasurementUnitsChanged', data: { accountId: 'a1', from: 'metric', to: 'imperial', changedAt: '2026-01-01T00:00:00.000Z', changedBy: admin.id } }]);

    await expect(record({ values: { weight: 180.5, arm: 14.25 } })).resolves.toMatchObject({ values: { weight: 180.5, arm: 14.25 } });

    const [recorded] = await clients.newEvents();
    const cipher = new PersonalDataCipher(new KeyStore(clients.adapters.keys));
    await expect(cipher.open('c1', recorded.data.personal as string)).resolves.toEqual({ values: { weight: 81.873, arm: 36.195 } });
  });

  it('refuses values out of range or none at all (validation_failed, a sentence per field), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(record({ values: { weight: 5, bodyFat: 95 } })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [
        { field: 'values.weight', message: 'Enter a weight between 20 and 350 kg; 5 kg is outside it.' },
        { field: 'values.bodyFat', message: 'Enter a body fat between 2 and 70 %; 95 % is outside it.' },
      ],
    });
    await expect(record({ values: {} })).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'values' }] });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('is not found for a coach the client is not assigned to, for another account, and for an unknown client', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(record({ values: { weight: 70 } }, otherCoach)).rejects.toMatchObject({ code: 'not_found' });
    await expect(record({ values: { weight: 70 } }, staffActor('admin', 'u-admin-2', 'a2'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(clients.when(MeasurementsSubjects.recordMeasurement, { actor: admin, data: { clientId: 'nobody', values: { weight: 70 } } })).rejects.toMatchObject({
      code: 'not_found',
    });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('answers a retry with the same Idempotency-Key with the same measurement, recorded once', async () => {
    await clients.given('client-c1', [clientAdded()]);

    const first = await record({ values: { weight: 70 } }, admin, 'key-1');
    const again = await record({ values: { weight: 70 } }, admin, 'key-1');

    expect(again).toEqual(first);
    expect((await clients.when<MeasurementList>(MeasurementsSubjects.listMeasurements, { actor: admin, data: { clientId: 'c1' } })).items).toHaveLength(1);
  });

  it('erases the measurements with the client: the values cannot be opened any more, and the read model has none', async () => {
    const { id } = await clients.when<ClientProfile>(ClientsSubjects.addClient, {
      actor: coach,
      data: { firstName: 'Mo', lastName: 'Farah', email: 'mo@example.com', type: 'full_access' },
    });
    await clients.when(MeasurementsSubjects.recordMeasurement, { actor: coach, data: { clientId: id, values: { weight: 71.37 } } });
    const [recorded] = await clients.newEvents();
    const cipher = new PersonalDataCipher(new KeyStore(clients.adapters.keys));
    await expect(cipher.open(id, recorded.data.personal as string)).resolves.toEqual({ values: { weight: 71.37 } });
    expect(await clients.adapters.documents.collection(CLIENT_MEASUREMENTS).count({ clientId: id })).toBe(1);

    await clients.when(ClientsSubjects.deleteClient, { actor: admin, data: { clientId: id } });

    await expect(new PersonalDataCipher(new KeyStore(clients.adapters.keys)).open(id, recorded.data.personal as string)).resolves.toBeNull();
    await expect(clients.when(MeasurementsSubjects.listMeasurements, { actor: admin, data: { clientId: id } })).rejects.toMatchObject({ code: 'not_found' });
    await expect(clients.when(MeasurementsSubjects.recordMeasurement, { actor: admin, data: { clientId: id, values: { weight: 70 } } })).rejects.toMatchObject({ code: 'not_found' });
    // The projection deletes the client's measurements when it reaches ClientDeleted.
    const deadline = Date.now() + 10_000;
    while ((await clients.adapters.documents.collection(CLIENT_MEASUREMENTS).count({ clientId: id })) > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await clients.adapters.documents.collection(CLIENT_MEASUREMENTS).count({ clientId: id })).toBe(0);
  });
});
