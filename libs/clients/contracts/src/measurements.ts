import { ErrorCodes, defineErrors } from '@clientele/platform/core';

/**
 * Progress: a client's body measurements over time (the seed articles' "Physical" tab). They are
 * events of the client's own stream, so they are in the client's history, sealed with the client's
 * key and erased with the client.
 */
export const MeasurementsSubjects = {
  /** Staff who may change the client (the assigned coach, an admin) record one. */
  recordMeasurement: 'clients.cmd.record-measurement',
  /** A full-access client records one for themselves. */
  recordOwnMeasurement: 'clients.cmd.record-own-measurement',
  listMeasurements: 'clients.query.list-measurements',
  listOwnMeasurements: 'clients.query.list-own-measurements',
  getMeasurementUnits: 'clients.query.get-measurement-units',
  setMeasurementUnits: 'clients.cmd.set-measurement-units',
} as const;

/** An account measures in kilograms and centimetres, or in pounds and inches. */
export const MEASUREMENT_UNITS = ['metric', 'imperial'] as const;
export type MeasurementUnits = (typeof MEASUREMENT_UNITS)[number];

/** What can be measured, in the order a form and a chart list them. */
export const MEASURES = ['weight', 'bodyFat', 'chest', 'waist', 'hips', 'arm', 'thigh'] as const;
export type Measure = (typeof MEASURES)[number];

/** One number per measure, in the account's units (weight in kg or lb, body fat in %, girths in cm or in). */
export type MeasurementValues = Partial<Record<Measure, number>>;

export interface RecordMeasurementRequest {
  /** Absent for the client's own (the token says who they are). */
  clientId?: string;
  /** When it was measured (ISO 8601); now when absent. */
  measuredAt?: string;
  values: Record<string, unknown>;
}

export interface Measurement {
  id: string;
  clientId: string;
  measuredAt: string;
  /** In the account's units at the time of reading. */
  values: MeasurementValues;
  recordedAt: string;
  recordedBy: string;
  /** Who recorded it: staff (a coach or an admin) or the client themselves. */
  recordedByRole: 'staff' | 'client';
}

/** A client's measurements, oldest first, in the account's units. */
export interface MeasurementList {
  items: Measurement[];
  units: MeasurementUnits;
}

export interface MeasurementUnitsView {
  units: MeasurementUnits;
}

/** The refusals of progress, beside the common ones (not found, and validation with a sentence per field). */
export const MeasurementsErrors = defineErrors({
  noValues: {
    code: ErrorCodes.validationFailed,
    kind: 'invalid',
    sentence: 'Enter at least one measurement: weight, body fat, or a girth.',
    errors: [{ field: 'values', message: 'Enter at least one measurement.' }],
  },
  /** A client whose coach made them offline (a token still held); they cannot sign in anyway. */
  appAccessPaused: {
    code: ErrorCodes.forbidden,
    kind: 'forbidden',
    sentence: 'Your coach has paused your app access, so you cannot record measurements; ask your coach to restore it.',
  },
  unknownUnits: {
    code: ErrorCodes.validationFailed,
    kind: 'invalid',
    sentence: 'Choose metric (kg and cm) or imperial (lb and in).',
    errors: [{ field: 'units', message: 'Choose metric or imperial.' }],
  },
});
