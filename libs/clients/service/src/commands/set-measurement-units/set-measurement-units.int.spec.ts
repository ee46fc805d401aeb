import { MeasurementsSubjects, type Measurement, type MeasurementList } from '@clientele/clients/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, clientAdded, coach, startClients } from '../../testing/clients-use-cases';

describe('clients.cmd.set-measurement-units', () => {
  let clients: UseCaseHarness;
  beforeEach(async () => (clients = await startClients()));
  afterEach(() => clients.close());

  it('is metric until an admin changes it; staff read it, and recorded values read in the new units', async () => {
    await clients.given('client-c1', [clientAdded()]);
    await expect(clients.when(MeasurementsSubjects.getMeasurementUnits, { actor: coach, data: {} })).resolves.toEqual({ units: 'metric' });
    await clients.when<Measurement>(MeasurementsSubjects.recordMeasurement, { actor: coach, data: { clientId: 'c1', values: { weight: 80, waist: 90 } } });

    await expect(clients.when(MeasurementsSubjects.setMeasurementUnits, { actor: admin, data: { units: 'imperial' } })).resolves.toEqual({ units: 'imperial' });

    expect(await clients.newEvents()).toMatchObject([
      { streamName: 'measurementunits-a1', type: 'MeasurementUnitsChanged', data: { accountId: 'a1', from: 'metric', to: 'imperial', changedBy: admin.id } },
    ]);
    await expect(clients.when(MeasurementsSubjects.getMeasurementUnits, { actor: coach, data: {} })).resolves.toEqual({ units: 'imperial' });
    await expect(clients.when<MeasurementList>(MeasurementsSubjects.listMeasurements, { actor: coach, data: { clientId: 'c1' } })).resolves.toMatchObject({
      items: [{ values: { weight: 176.37, waist: 35.43 } }],
      units: 'imperial',
    });
  });

  it('records nothing for the same units again', async () => {
    await expect(clients.when(MeasurementsSubjects.setMeasurementUnits, { actor: admin, data: { units: 'metric' } })).resolves.toEqual({ units: 'metric' });
    expect(await clients.newEvents()).toEqual([]);
  });

  it('refuses a coach (forbidden) and units that are not metric or imperial (validation_failed), recording nothing', async () => {
    await expect(clients.when(MeasurementsSubjects.setMeasurementUnits, { actor: coach, data: { units: 'imperial' } })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(clients.when(MeasurementsSubjects.setMeasurementUnits, { actor: admin, data: { units: 'stones' } })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'units' }],
    });
    expect(await clients.newEvents()).toEqual([]);
  });
});
