import { useId, useState } from 'react';
import type { Measure, Measurement, MeasurementList, MeasurementUnits } from '@clientele/clients/contracts';
import { api, ApiError, formatDate } from '../api';
import { Field, Notice, fieldError, useSubmit } from './ui';

/**
 * Progress, shared by the coach's Progress tab and the client's own page: the form that records a
 * measurement, the charts (one small SVG line per measure, with its numbers as a table), and the list.
 */

export type { Measure, Measurement, MeasurementList, MeasurementUnits };

/** The measures in the order the API lists them (contracts' MEASURES; the web imports only types). */
export const MEASURES: Measure[] = ['weight', 'bodyFat', 'chest', 'waist', 'hips', 'arm', 'thigh'];

export const MEASURE_LABELS: Record<Measure, string> = {
  weight: 'Weight',
  bodyFat: 'Body fat',
  chest: 'Chest',
  waist: 'Waist',
  hips: 'Hips',
  arm: 'Arm',
  thigh: 'Thigh',
};

export const UNITS_LABELS: Record<MeasurementUnits, string> = {
  metric: 'Metric: kilograms and centimetres',
  imperial: 'Imperial: pounds and inches',
};

export function unitOf(measure: Measure, units: MeasurementUnits): string {
  if (measure === 'bodyFat') return '%';
  if (measure === 'weight') return units === 'metric' ? 'kg' : 'lb';
  return units === 'metric' ? 'cm' : 'in';
}

export function formatValue(value: number, measure: Measure, units: MeasurementUnits): string {
  const unit = unitOf(measure, units);
  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value);
  return unit === '%' ? `${number} %` : `${number} ${unit}`;
}

/** Today in the browser's calendar, as a date input wants it. */
function today(): string {
  const now = new Date();
  return `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
}

/** "2026-03-01" entered in the browser means that day where the person is: noon local time, so no time zone moves it to another day. */
function dayToIso(day: string): string | undefined {
  if (!day) return undefined;
  const at = new Date(`${day}T12:00:00`);
  if (Number.isNaN(at.getTime())) return day;
  // A day that is today is "now": noon may still be ahead, and the API refuses the future.
  return day === today() ? undefined : at.toISOString();
}

/** Records one measurement: a date and any of the measures, in the account's units. */
export function MeasurementForm({
  units,
  path,
  onRecorded,
  submitLabel = 'Save measurements',
}: {
  units: MeasurementUnits;
  /** Where to POST: /api/v1/clients/:id/measurements or /api/v1/me/measurements. */
  path: string;
  onRecorded: (measurement: Measurement) => Promise<void> | void;
  submitLabel?: string;
}) {
  const [day, setDay] = useState(today());
  const [values, setValues] = useState<Partial<Record<Measure, string>>>({});
  const [notice, setNotice] = useState<string | null>(null);
  const save = useSubmit(async () => {
    setNotice(null);
    const numbers: Record<string, number | string> = {};
    for (const measure of MEASURES) {
      const raw = values[measure]?.trim().replace(',', '.');
      // Something that is not a number goes as typed, so the API names the field in a sentence.
      if (raw) numbers[measure] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    }
    const measurement = await api<Measurement>(path, { method: 'POST', body: { measuredAt: dayToIso(day), values: numbers } });
    setValues({});
    setNotice(`Measurements of ${formatDate(measurement.measuredAt)} saved.`);
    await onRecorded(measurement);
  });
  const error = save.error;
  const formFields = ['measuredAt', ...MEASURES];
  const apiError = error instanceof ApiError ? error : null;
  // The sentence above the form when no field below says it (no value at all, a network failure).
  const general = Boolean(error) && (!apiError || apiError.fieldErrors.every((e) => !formFields.some((f) => e.field === f || e.field.endsWith(`.${f}`))));
  return (
    <form className="card measurement-form" onSubmit={save.submit} aria-label="Record measurements" noValidate>
      <p className="muted">Fill in what you measured; leave the rest empty. Units: {units === 'metric' ? 'kg and cm' : 'lb and in'}.</p>
      {general && (
        <p className="error-note" role="alert">
          {apiError ? apiError.detail : 'That did not work. Please try again.'}
        </p>
      )}
      <Field label="Date measured" error={fieldError(error, 'measuredAt')}>
        {(props) => <input {...props} type="date" value={day} max={today()} onChange={(e) => setDay(e.target.value)} style={{ maxWidth: '12rem' }} />}
      </Field>
      <div className="field-row">
        {MEASURES.map((measure) => (
          <Field key={measure} label={`${MEASURE_LABELS[measure]} (${unitOf(measure, units)})`} error={fieldError(error, measure)}>
            {(props) => (
              <input
                {...props}
                name={measure}
                inputMode="decimal"
                autoComplete="off"
                value={values[measure] ?? ''}
                onChange={(e) => setValues((current) => ({ ...current, [measure]: e.target.value }))}
                style={{ maxWidth: '9rem' }}
              />
            )}
          </Field>
        ))}
      </div>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.busy}>
          {save.busy ? 'Saving…' : submitLabel}
        </button>
      </div>
      <Notice text={notice} />
    </form>
  );
}

const WIDTH = 300;
const HEIGHT = 130;
const PAD = { left: 44, right: 10, top: 12, bottom: 24 };

/** One measure over time: a small line chart, described in words, with its numbers in a table. */
export function MeasureChart({ measure, points, units }: { measure: Measure; points: Array<{ at: string; value: number }>; units: MeasurementUnits }) {
  const titleId = useId();
  const descId = useId();
  const label = `${MEASURE_LABELS[measure]} (${unitOf(measure, units)})`;
  const times = points.map((p) => Date.parse(p.at));
  const values = points.map((p) => p.value);
  const [tMin, tMax] = [Math.min(...times), Math.max(...times)];
  const [vMin, vMax] = [Math.min(...values), Math.max(...values)];
  const vPad = vMax === vMin ? Math.max(1, vMax * 0.05) : (vMax - vMin) * 0.1;
  const [low, high] = [vMin - vPad, vMax + vPad];
  const x = (t: number) => (tMax === tMin ? (PAD.left + WIDTH - PAD.right) / 2 : PAD.left + ((t - tMin) / (tMax - tMin)) * (WIDTH - PAD.left - PAD.right));
  const y = (v: number) => PAD.top + (1 - (v - low) / (high - low)) * (HEIGHT - PAD.top - PAD.bottom);
  const first = points[0];
  const last = points[points.length - 1];
  const change = last.value - first.value;
  const summary =
    points.length === 1
      ? `${MEASURE_LABELS[measure]}: one measurement, ${formatValue(first.value, measure, units)} on ${formatDate(first.at)}.`
      : `${MEASURE_LABELS[measure]}: ${points.length} measurements, from ${formatValue(first.value, measure, units)} on ${formatDate(first.at)} to ${formatValue(last.value, measure, units)} on ${formatDate(last.at)} (${change === 0 ? 'no change' : `${change > 0 ? 'up' : 'down'} ${formatValue(Math.abs(change), measure, units)}`}); lowest ${formatValue(vMin, measure, units)}, highest ${formatValue(vMax, measure, units)}.`;
  return (
    <figure className="card measure-chart" data-measure={measure} style={{ margin: 0 }}>
      <figcaption>
        <strong>{label}</strong>
        <span className="muted block">
          Latest {formatValue(last.value, measure, units)}
          {points.length > 1 && change !== 0 && ` (${change > 0 ? '+' : '−'}${formatValue(Math.abs(change), measure, units)} since ${formatDate(first.at)})`}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width="100%" role="img" aria-labelledby={`${titleId} ${descId}`} style={{ maxWidth: `${WIDTH * 1.4}px`, display: 'block' }}>
        <title id={titleId}>{`${label} over time`}</title>
        <desc id={descId}>{summary}</desc>
        <line x1={PAD.left} y1={HEIGHT - PAD.bottom} x2={WIDTH - PAD.right} y2={HEIGHT - PAD.bottom} stroke="#c9d0da" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={HEIGHT - PAD.bottom} stroke="#c9d0da" />
        <text x={PAD.left - 6} y={y(vMax) + 4} textAnchor="end" fontSize="10" fill="#5b6472">
          {formatNumber(vMax)}
        </text>
        {vMin !== vMax && (
          <text x={PAD.left - 6} y={y(vMin) + 4} textAnchor="end" fontSize="10" fill="#5b6472">
            {formatNumber(vMin)}
          </text>
        )}
        <text x={PAD.left} y={HEIGHT - 6} fontSize="10" fill="#5b6472">
          {formatDate(first.at)}
        </text>
        {points.length > 1 && (
          <text x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end" fontSize="10" fill="#5b6472">
            {formatDate(last.at)}
          </text>
        )}
        {points.length > 1 && (
          <polyline fill="none" stroke="#2f5fd0" strokeWidth="2" strokeLinejoin="round" points={points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ')} />
        )}
        {points.map((p, i) => (
          <circle key={`${p.at}-${i}`} cx={x(times[i])} cy={y(p.value)} r="3" fill="#2f5fd0" />
        ))}
      </svg>
      <details>
        <summary>Show the numbers</summary>
        <table aria-label={`${label}: every measurement`}>
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">{label}</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p, i) => (
              <tr key={`${p.at}-${i}`}>
                <td>{formatDate(p.at)}</td>
                <td>{formatValue(p.value, measure, units)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

function formatNumber(value: number): string {
  return new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 }).format(value);
}

/** A chart for each measure that has at least one value, in the order of MEASURES. */
export function MeasureCharts({ list }: { list: MeasurementList }) {
  const charts = MEASURES.map((measure) => ({
    measure,
    points: list.items.filter((m) => typeof m.values[measure] === 'number').map((m) => ({ at: m.measuredAt, value: m.values[measure] as number })),
  })).filter((chart) => chart.points.length > 0);
  if (charts.length === 0) return null;
  return (
    <div className="measure-charts" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))', gap: '0.75rem' }}>
      {charts.map((chart) => (
        <MeasureChart key={chart.measure} measure={chart.measure} points={chart.points} units={list.units} />
      ))}
    </div>
  );
}

/** Every measurement, newest first, with a column for each measure ever taken. */
export function MeasurementTable({ list, whoRecorded }: { list: MeasurementList; whoRecorded: (m: Measurement) => string }) {
  const taken = MEASURES.filter((measure) => list.items.some((m) => typeof m.values[measure] === 'number'));
  const newestFirst = [...list.items].reverse();
  return (
    <div className="table-wrap">
      <table aria-label="Measurements">
        <thead>
          <tr>
            <th scope="col">Date</th>
            {taken.map((measure) => (
              <th scope="col" key={measure}>
                {MEASURE_LABELS[measure]} ({unitOf(measure, list.units)})
              </th>
            ))}
            <th scope="col" className="hide-small">
              Recorded by
            </th>
          </tr>
        </thead>
        <tbody>
          {newestFirst.map((m) => (
            <tr key={m.id} data-measurement-id={m.id}>
              <td>{formatDate(m.measuredAt)}</td>
              {taken.map((measure) => (
                <td key={measure}>{typeof m.values[measure] === 'number' ? formatNumber(m.values[measure] as number) : <span className="muted">—</span>}</td>
              ))}
              <td className="hide-small">{whoRecorded(m)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
