import { MeasurementsSubjects, type Measurement, type MeasurementList } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { clientActor, clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.record-own-measurement', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('records a full-access client’s own measurement, with the client as the one who recorded it', async () => {
    await clients.given('client-c1', [clientAdded('full_access_one_way')]);

    const measurement = await clients.when<Measurement>(MeasurementsSubjects.recordOwnMeasurement, { actor: clientActor('c1'), data: { values: { bodyFat: 21.4 } } });

    expect(measurement).toMatchObject({ clientId: 'c1', values: { bodyFat: 21.4 }, recordedBy: 'c1', recordedByRole: 'client' });
    expect(await clients.newEvents()).toMatchObject([{ streamName: 'client-c1', type: 'ClientMeasurementRecorded', data: { recordedBy: 'c1', recordedByRole: 'client' } }]);
    // The client reads their own, and their coach reads the same.
    await expect(clients.when<MeasurementList>(MeasurementsSubjects.listOwnMeasurements, { actor: clientActor('c1'), data: {} })).resolves.toEqual({ items: [measurement], units: 'metric' });
    await expect(clients.when<MeasurementList>(MeasurementsSubjects.listMeasurements, { actor: coach, data: { clientId: 'c1' } })).resolves.toEqual({ items: [measurement], units: 'metric' });
  });

  it('refuses an offline client (forbidden, their coach paused their access), and records nothing', async () => {
    await clients.given('client-c1', [clientAdded('offline')]);

    await expect(clients.when(MeasurementsSubjects.recordOwnMeasurement, { actor: clientActor('c1'), data: { values: { weight: 70 } } })).rejects.toMatchObject({
      code: 'forbidden',
      detail: expect.stringContaining('paused your app access'),
    });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('is the client’s own: staff are forbidden here, and record on the client’s route instead', async () => {
    await clients.given('client-c1', [clientAdded()]);

    await expect(clients.when(MeasurementsSubjects.recordOwnMeasurement, { actor: coach, data: { values: { weight: 70 } } })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(clients.when(MeasurementsSubjects.listOwnMeasurements, { actor: coach, data: {} })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('lists the measurements oldest first, by the day they were taken', async () => {
    await clients.given('client-c1', [clientAdded()]);
    const own = (measuredAt: string, weight: number) =>
      clients.when(MeasurementsSubjects.recordOwnMeasurement, { actor: clientActor('c1'), data: { measuredAt, values: { weight } } });
    await own('2026-03-01', 70);
    await own('2026-01-01', 72);
    await own('2026-02-01', 71);

    const list = await clients.when<MeasurementList>(MeasurementsSubjects.listOwnMeasurements, { actor: clientActor('c1'), data: {} });
    expect(list.items.map((m) => m.values.weight)).toEqual([72, 71, 70]);
  });
});
