import { useState } from 'react';
import { api, type ClientProfile } from '../api';
import { MeasureCharts, MeasurementForm, MeasurementTable, type Measurement, type MeasurementList } from '../components/measurements';
import { ErrorNote, SectionHeader, Skeleton } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { useSession } from '../session';

/**
 * The profile's Progress tab (the seed articles' "Physical" tab): the client's body measurements
 * over time, a chart per measure, and a form to record new ones in the account's units. What the
 * client records in their app shows here too.
 */
export function ProgressTab({ client }: { client: ClientProfile }) {
  const { session } = useSession();
  const [recording, setRecording] = useState(false);
  const list = useLoad(() => api<MeasurementList>(`/api/v1/clients/${client.id}/measurements`), [client.id]);
  const data = list.data;
  const whoRecorded = (m: Measurement) => (m.recordedByRole === 'client' ? client.firstName : m.recordedBy === session?.user.id ? 'You' : 'Staff');
  return (
    <div className="progress" data-testid="progress-tab">
      <SectionHeader title="Progress">
        {!recording && data && (
          <button type="button" className="primary" onClick={() => setRecording(true)}>
            Record measurements
          </button>
        )}
      </SectionHeader>
      {recording && data && (
        <>
          <MeasurementForm units={data.units} path={`/api/v1/clients/${client.id}/measurements`} onRecorded={() => list.reload()} />
          <div className="form-actions" style={{ marginTop: '-0.5rem', marginBottom: '1rem' }}>
            <button type="button" onClick={() => setRecording(false)}>
              Done
            </button>
          </div>
        </>
      )}
      <ErrorNote error={list.error} />
      {!data ? (
        !list.error && <Skeleton rows={3} />
      ) : data.items.length === 0 ? (
        <p className="muted">
          No measurements yet. Record weight, body fat and girths (chest, waist, hips, arm, thigh) to follow {client.firstName}’s progress
          {client.type === 'offline' ? '.' : '; they can also record their own in the app.'}
        </p>
      ) : (
        <>
          <MeasureCharts list={data} />
          <h3>Every measurement</h3>
          <MeasurementTable list={data} whoRecorded={whoRecorded} />
        </>
      )}
    </div>
  );
}
