import { MEASURES, MEASUREMENT_UNITS, MeasurementsErrors, type Measure, type MeasurementUnits, type MeasurementValues } from '@clientele/clients/contracts';
import { AppError, Decider, ErrorCodes, type FieldError } from '@clientele/platform/core';
import { ClientState, ExistingClient, clientDecider, clientExists } from './client.decider';
import type { ClientEvent } from './client.events';

/**
 * Values are stored in metric (kg, %, cm) whatever the account's units, and converted at the
 * service's edge (the request's and the answer's units). So a chart stays one line when an account
 * switches units, two measurements are always comparable, and nothing stored has to be rewritten.
 * The numbers are kept to two decimals in the units they were entered in, and to three decimals in
 * metric: enough that 180.5 lb reads back as 180.5 lb.
 */
export const POUNDS_PER_KG = 1 / 0.45359237;
export const CM_PER_INCH = 2.54;

type Dimension = 'mass' | 'percent' | 'length';
const DIMENSIONS: Record<Measure, Dimension> = {
  weight: 'mass',
  bodyFat: 'percent',
  chest: 'length',
  waist: 'length',
  hips: 'length',
  arm: 'length',
  thigh: 'length',
};

/** What a person calls each measure, in sentences. */
export const MEASURE_NAMES: Record<Measure, string> = {
  weight: 'weight',
  bodyFat: 'body fat',
  chest: 'chest girth',
  waist: 'waist girth',
  hips: 'hip girth',
  arm: 'arm girth',
  thigh: 'thigh girth',
};

export function unitOf(measure: Measure, units: MeasurementUnits): string {
  switch (DIMENSIONS[measure]) {
    case 'mass':
      return units === 'metric' ? 'kg' : 'lb';
    case 'percent':
      return '%';
    case 'length':
      return units === 'metric' ? 'cm' : 'in';
  }
}

/**
 * The plausible range of each measure for an adult, in each system (whole numbers, so the sentence
 * says exactly what is accepted). A number outside is a typo, or the wrong units.
 */
export const MEASURE_RANGES: Record<MeasurementUnits, Record<Measure, readonly [number, number]>> = {
  metric: { weight: [20, 350], bodyFat: [2, 70], chest: [50, 200], waist: [40, 200], hips: [50, 200], arm: [15, 70], thigh: [25, 110] },
  imperial: { weight: [44, 770], bodyFat: [2, 70], chest: [20, 79], waist: [16, 79], hips: [20, 79], arm: [6, 28], thigh: [10, 43] },
};

const round = (value: number, decimals: number) => Math.round(value * 10 ** decimals) / 10 ** decimals;

export function toMetric(measure: Measure, value: number, units: MeasurementUnits): number {
  if (units === 'metric' || DIMENSIONS[measure] === 'percent') return round(value, 3);
  return round(DIMENSIONS[measure] === 'mass' ? value / POUNDS_PER_KG : value * CM_PER_INCH, 3);
}

export function fromMetric(measure: Measure, value: number, units: MeasurementUnits): number {
  if (units === 'metric' || DIMENSIONS[measure] === 'percent') return round(value, 2);
  return round(DIMENSIONS[measure] === 'mass' ? value * POUNDS_PER_KG : value / CM_PER_INCH, 2);
}

/** Stored (metric) values in the given units. */
export function valuesIn(values: MeasurementValues, units: MeasurementUnits): MeasurementValues {
  return Object.fromEntries(Object.entries(values).map(([measure, value]) => [measure, fromMetric(measure as Measure, value as number, units)])) as MeasurementValues;
}

export function isMeasurementUnits(value: unknown): value is MeasurementUnits {
  return typeof value === 'string' && (MEASUREMENT_UNITS as readonly string[]).includes(value);
}

/** Measurements may be dated up to this far in the future (a phone's clock a little ahead). */
const CLOCK_SKEW_MS = 5 * 60_000;
const EARLIEST = Date.parse('1900-01-01T00:00:00.000Z');

/**
 * The measurement as recorded: each number checked against its range in the account's units (one
 * sentence per field), then converted to metric. At least one value is needed.
 */
export function validateMeasurement(
  input: { values: unknown; measuredAt?: unknown },
  units: MeasurementUnits,
  now: string,
): { values: MeasurementValues; measuredAt: string } {
  const errors: FieldError[] = [];
  const values: MeasurementValues = {};
  const given = input.values;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    errors.push({ field: 'values', message: 'Send the measurements as an object, for example { "weight": 72.5 }.' });
  } else if (Object.keys(given).length > MEASURES.length * 2) {
    // Not a measurement at all: one sentence, not one per key of a large body.
    errors.push({ field: 'values', message: `Send at most the ${MEASURES.length} measures Clientele records: ${MEASURES.join(', ')}.` });
  } else {
    for (const [field, value] of Object.entries(given)) {
      if (!(MEASURES as readonly string[]).includes(field)) {
        errors.push({ field: `values.${field}`, message: `Clientele does not record "${field}"; use ${MEASURES.join(', ')}.` });
        continue;
      }
      const measure = field as Measure;
      if (value === null || value === undefined) continue;
      const [min, max] = MEASURE_RANGES[units][measure];
      const unit = unitOf(measure, units);
      const range = `between ${min} and ${max} ${unit}`;
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        errors.push({ field: `values.${measure}`, message: `Enter the ${MEASURE_NAMES[measure]} as a number ${range}.` });
      } else if (value < min || value > max) {
        errors.push({ field: `values.${measure}`, message: `Enter a ${MEASURE_NAMES[measure]} ${range}; ${value} ${unit} is outside it.` });
      } else {
        values[measure] = toMetric(measure, round(value, 2), units);
      }
    }
  }
  let measuredAt = now;
  if (input.measuredAt !== undefined && input.measuredAt !== null) {
    const at = typeof input.measuredAt === 'string' && /^\d{4}-\d{2}-\d{2}/.test(input.measuredAt) ? Date.parse(input.measuredAt) : NaN;
    if (Number.isNaN(at)) {
      errors.push({ field: 'measuredAt', message: 'Enter when it was measured as a date, for example 2026-03-01 or 2026-03-01T08:00:00Z.' });
    } else if (at > Date.parse(now) + CLOCK_SKEW_MS) {
      errors.push({ field: 'measuredAt', message: 'A measurement cannot be dated in the future; enter the day it was taken.' });
    } else if (at < EARLIEST) {
      errors.push({ field: 'measuredAt', message: 'Enter a date after 1900.' });
    } else {
      measuredAt = new Date(at).toISOString();
    }
  }
  if (errors.length > 0) {
    throw new AppError(ErrorCodes.validationFailed, errors.map((e) => e.message).join(' '), errors);
  }
  if (Object.keys(values).length === 0) throw MeasurementsErrors.noValues();
  return { values, measuredAt };
}

export interface ClientMeasurementRecordedData {
  clientId: string;
  accountId: string;
  measurementId: string;
  measuredAt: string;
  /** Metric, whatever the account's units; sealed with the client's key when stored. */
  values: MeasurementValues;
  recordedAt: string;
  recordedBy: string;
  recordedByRole: 'staff' | 'client';
}

/** A measurement is an event of the client's own stream (`client-<id>`), beside the client's other events. */
export type MeasurementEvent = { type: 'ClientMeasurementRecorded'; data: ClientMeasurementRecordedData };

export type RecordMeasurement = {
  type: 'RecordMeasurement';
  measurementId: string;
  values: unknown;
  measuredAt?: unknown;
  /** The account's units, which the values are in. */
  units: MeasurementUnits;
  /** Staff who may change the client (checked by the service), or the client themselves. */
  by: { id: string; role: 'staff' | 'client' };
  now: string;
};

/**
 * Measurements on the client's stream: the client's own state (its decider's evolve) says whether
 * the client exists and what type it has; a measurement counts as one more event of the stream.
 */
export const measurementDecider: Decider<RecordMeasurement, ClientState, ClientEvent | MeasurementEvent> = {
  initialState: clientDecider.initialState,

  decide(command, state) {
    if (!clientExists(state)) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
    if (command.by.role === 'client') assertOwnAndInApp(state, command.by.id);
    const { values, measuredAt } = validateMeasurement(command, command.units, command.now);
    return [
      {
        type: 'ClientMeasurementRecorded',
        data: {
          clientId: state.clientId,
          accountId: state.accountId,
          measurementId: command.measurementId,
          measuredAt,
          values,
          recordedAt: command.now,
          recordedBy: command.by.id,
          recordedByRole: command.by.role,
        },
      },
    ];
  },

  evolve(state, event) {
    if (event.type === 'ClientMeasurementRecorded') return clientExists(state) ? { ...state, version: state.version + 1 } : state;
    return clientDecider.evolve(state, event);
  },
};

/** A client records only their own, and only while their type lets them use the app (not offline). */
function assertOwnAndInApp(client: ExistingClient, actorId: string): void {
  if (client.clientId !== actorId) throw new AppError(ErrorCodes.notFound, 'No client with this id.');
  if (client.type === 'offline') throw MeasurementsErrors.appAccessPaused();
}

/** The account's units (`measurementunits-<accountId>`): metric until an admin chooses otherwise. */
export type MeasurementUnitsEvent = {
  type: 'MeasurementUnitsChanged';
  data: { accountId: string; from: MeasurementUnits; to: MeasurementUnits; changedAt: string; changedBy: string };
};
export type SetMeasurementUnits = { type: 'SetMeasurementUnits'; accountId: string; units: unknown; actorId: string; now: string };
export type MeasurementUnitsState = { units: MeasurementUnits };

export const measurementUnitsDecider: Decider<SetMeasurementUnits, MeasurementUnitsState, MeasurementUnitsEvent> = {
  initialState: () => ({ units: 'metric' }),
  decide(command, state) {
    if (!isMeasurementUnits(command.units)) throw MeasurementsErrors.unknownUnits();
    if (command.units === state.units) return [];
    return [
      {
        type: 'MeasurementUnitsChanged',
        data: { accountId: command.accountId, from: state.units, to: command.units, changedAt: command.now, changedBy: command.actorId },
      },
    ];
  },
  evolve(state, event) {
    return event.type === 'MeasurementUnitsChanged' ? { units: event.data.to } : state;
  },
};
