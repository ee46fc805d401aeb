import { deciderSpec } from '@clientele/platform/testing';
import type { ClientAddedData, ClientEvent } from './client.events';
import { fromMetric, measurementDecider, measurementUnitsDecider, toMetric, type MeasurementEvent, type RecordMeasurement } from './measurements.decider';

const now = '2026-11-21T10:00:00.000Z';
const added = (overrides: Partial<ClientAddedData> = {}): ClientEvent => ({
  type: 'ClientAdded',
  data: {
    clientId: 'c1',
    accountId: 'a1',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    phone: null,
    type: 'full_access',
    status: 'active',
    coachId: 'coach-1',
    source: { kind: 'manual' },
    sendInvitation: false,
    appAccess: 'active',
    addedAt: now,
    addedBy: 'coach-1',
    ...overrides,
  },
});
const deleted: ClientEvent = { type: 'ClientDeleted', data: { clientId: 'c1', accountId: 'a1', deletedAt: now, deletedBy: 'u1' } };
const record = (values: unknown, overrides: Partial<RecordMeasurement> = {}): RecordMeasurement => ({
  type: 'RecordMeasurement',
  measurementId: 'm1',
  values,
  units: 'metric',
  by: { id: 'coach-1', role: 'staff' },
  now,
  ...overrides,
});
const recorded = (values: MeasurementEvent['data']['values'], overrides: Partial<MeasurementEvent['data']> = {}): MeasurementEvent => ({
  type: 'ClientMeasurementRecorded',
  data: { clientId: 'c1', accountId: 'a1', measurementId: 'm1', measuredAt: now, values, recordedAt: now, recordedBy: 'coach-1', recordedByRole: 'staff', ...overrides },
});

describe('measurements', () => {
  const spec = deciderSpec(measurementDecider);

  it('records the values (metric as given) on the client, dated now unless said', () => {
    spec.given([added()]).when(record({ weight: 72.5, bodyFat: 18, waist: 80 })).then([recorded({ weight: 72.5, bodyFat: 18, waist: 80 })]);
    spec
      .given([added()])
      .when(record({ weight: 72.5 }, { measuredAt: '2026-11-01' }))
      .then([recorded({ weight: 72.5 }, { measuredAt: '2026-11-01T00:00:00.000Z' })]);
  });

  it('stores imperial values in metric, so they read back as entered', () => {
    spec
      .given([added()])
      .when(record({ weight: 180.5, waist: 32, bodyFat: 20 }, { units: 'imperial' }))
      .then([recorded({ weight: 81.873, waist: 81.28, bodyFat: 20 })]);
    expect(fromMetric('weight', toMetric('weight', 180.5, 'imperial'), 'imperial')).toBe(180.5);
    expect(fromMetric('thigh', toMetric('thigh', 22.25, 'imperial'), 'imperial')).toBe(22.25);
  });

  it('refuses a measurement without any value, with a sentence', () => {
    spec.given([added()]).when(record({})).thenThrows('validation_failed', /at least one measurement/);
    spec.given([added()]).when(record({ weight: null })).thenThrows('validation_failed', /at least one measurement/);
  });

  it('refuses values outside their range in the account’s units, one sentence per field', () => {
    spec.given([added()]).when(record({ weight: 500, bodyFat: 90 })).thenThrows('validation_failed', /weight between 20 and 350 kg/);
    spec.given([added()]).when(record({ weight: 30 }, { units: 'imperial' })).thenThrows('validation_failed', /weight between 44 and 770 lb/);
  });

  it('names each refused field', () => {
    const state = [added()].reduce(measurementDecider.evolve, measurementDecider.initialState());
    expect(() => measurementDecider.decide(record({ weight: 500, bodyFat: 'lots', height: 180 }), state)).toThrow(
      expect.objectContaining({
        code: 'validation_failed',
        errors: [
          { field: 'values.weight', message: 'Enter a weight between 20 and 350 kg; 500 kg is outside it.' },
          { field: 'values.bodyFat', message: 'Enter the body fat as a number between 2 and 70 %.' },
          { field: 'values.height', message: expect.stringContaining('does not record "height"') },
        ],
      }),
    );
  });

  it('answers one sentence, not one per key, for values that are no measurement at all', () => {
    const many = Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i]));
    const state = [added()].reduce(measurementDecider.evolve, measurementDecider.initialState());
    expect(() => measurementDecider.decide(record(many), state)).toThrow(
      expect.objectContaining({ code: 'validation_failed', errors: [{ field: 'values', message: expect.stringContaining('at most the 7 measures') }] }),
    );
    spec.given([added()]).when(record([70])).thenThrows('validation_failed', /as an object/);
  });

  it('refuses a date in the future or that is no date', () => {
    spec.given([added()]).when(record({ weight: 70 }, { measuredAt: '2027-01-01' })).thenThrows('validation_failed', /cannot be dated in the future/);
    spec.given([added()]).when(record({ weight: 70 }, { measuredAt: 'last tuesday' })).thenThrows('validation_failed', /as a date/);
  });

  it('is not found for a client that does not exist or was deleted', () => {
    spec.given([]).when(record({ weight: 70 })).thenThrows('not_found');
    spec.given([added(), recorded({ weight: 70 }), deleted]).when(record({ weight: 70 })).thenThrows('not_found');
  });

  it('lets a full-access client record their own, and refuses another client’s (not found) and an offline client (forbidden)', () => {
    const own = { by: { id: 'c1', role: 'client' as const } };
    spec.given([added()]).when(record({ weight: 70 }, own)).then([recorded({ weight: 70 }, { recordedBy: 'c1', recordedByRole: 'client' })]);
    spec.given([added({ type: 'full_access_one_way' })]).when(record({ weight: 70 }, own)).then([recorded({ weight: 70 }, { recordedBy: 'c1', recordedByRole: 'client' })]);
    spec.given([added()]).when(record({ weight: 70 }, { by: { id: 'c2', role: 'client' } })).thenThrows('not_found');
    spec.given([added({ type: 'offline', appAccess: 'none' })]).when(record({ weight: 70 }, own)).thenThrows('forbidden', /paused your app access/);
    // Staff record for an offline client all the same: the coach measures at the gym.
    spec.given([added({ type: 'offline', appAccess: 'none' })]).when(record({ weight: 70 })).then([recorded({ weight: 70 })]);
  });

  it('counts a measurement as one more event of the client (the version If-Match compares)', () => {
    const state = [added(), recorded({ weight: 70 })].reduce(measurementDecider.evolve, measurementDecider.initialState());
    expect(state).toMatchObject({ status: 'active', version: 1 });
  });
});

describe('measurement units', () => {
  const spec = deciderSpec(measurementUnitsDecider);
  const set = (units: unknown) => ({ type: 'SetMeasurementUnits' as const, accountId: 'a1', units, actorId: 'u1', now });
  const changed = (from: 'metric' | 'imperial', to: 'metric' | 'imperial') => ({
    type: 'MeasurementUnitsChanged' as const,
    data: { accountId: 'a1', from, to, changedAt: now, changedBy: 'u1' },
  });

  it('is metric until changed, and records a change only', () => {
    spec.given([]).when(set('metric')).thenNothingHappens();
    spec.given([]).when(set('imperial')).then([changed('metric', 'imperial')]);
    spec.given([changed('metric', 'imperial')]).when(set('imperial')).thenNothingHappens();
    spec.given([changed('metric', 'imperial')]).when(set('metric')).then([changed('imperial', 'metric')]);
  });

  it('refuses anything but metric or imperial', () => {
    spec.given([]).when(set('stones')).thenThrows('validation_failed', /metric .* or imperial/);
  });
});
