import { useEffect, useState } from 'react';
import { api } from '../api';
import { WHY_NOT, useCan } from '../capabilities';
import { UNITS_LABELS, type MeasurementUnits } from '../components/measurements';
import { ErrorNote, Notice, Skeleton, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';

const UNITS: MeasurementUnits[] = ['metric', 'imperial'];

/**
 * Settings: the units the account measures clients in. Changing them converts how every recorded
 * measurement reads (they are stored in metric), so nothing is lost either way. Admins change them;
 * other staff see them, with the reason they cannot change them.
 */
export function MeasurementUnitsSetting() {
  const isAdmin = useCan('admin');
  const current = useLoad(() => api<{ units: MeasurementUnits }>('/api/v1/account/measurement-units'), []);
  const [chosen, setChosen] = useState<MeasurementUnits | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (current.data) setChosen(current.data.units);
  }, [current.data]);
  const save = useSubmit(async () => {
    setNotice(null);
    const saved = await api<{ units: MeasurementUnits }>('/api/v1/account/measurement-units', { method: 'PUT', body: { units: chosen } });
    setNotice(`Measurements now show in ${saved.units === 'metric' ? 'kilograms and centimetres' : 'pounds and inches'}.`);
    await current.reload();
  });
  const unchanged = chosen === current.data?.units;
  return (
    <section className="card measurement-units" aria-labelledby="measurement-units-title" data-testid="measurement-units">
      <h2 id="measurement-units-title">Measurement units</h2>
      <ErrorNote error={current.error ?? save.error} />
      {!current.data || !chosen ? (
        !current.error && <Skeleton rows={2} />
      ) : (
        <form onSubmit={save.submit}>
          <fieldset className="choice-row" aria-describedby="measurement-units-hint">
            <legend className="visually-hidden">Units for clients’ measurements</legend>
            {UNITS.map((units) => (
              <label key={units}>
                <input type="radio" name="measurement-units" value={units} checked={chosen === units} disabled={!isAdmin} onChange={() => setChosen(units)} /> {UNITS_LABELS[units]}
              </label>
            ))}
          </fieldset>
          <p className="muted" id="measurement-units-hint">
            Used for every client’s progress, by coaches and in the client app. Measurements already recorded are converted, never lost.
          </p>
          {isAdmin ? (
            <div className="form-actions">
              <button type="submit" className="primary" disabled={save.busy || unchanged}>
                Save units
              </button>
            </div>
          ) : (
            <p className="muted">{WHY_NOT.admin}</p>
          )}
          <Notice text={notice} />
        </form>
      )}
    </section>
  );
}
