import { api } from '../api';
import { MeasureCharts, MeasurementForm, MeasurementTable, type MeasurementList } from '../components/measurements';
import { ErrorNote, Skeleton } from '../components/ui';
import { useLoad } from '../hooks/use-load';

/** The client's own progress on their page: what they and their coach measured, and a form to add today's. */
export function MyProgress() {
  const list = useLoad(() => api<MeasurementList>('/api/v1/me/measurements'), []);
  const data = list.data;
  return (
    <section className="card my-progress" aria-labelledby="my-progress-title" data-testid="my-progress">
      <h2 id="my-progress-title">Your progress</h2>
      <ErrorNote error={list.error} />
      {!data ? (
        !list.error && <Skeleton rows={3} />
      ) : (
        <>
          {data.items.length === 0 ? (
            <p className="muted">Nothing measured yet. Add your weight, body fat or girths below; your coach sees them too.</p>
          ) : (
            <>
              <MeasureCharts list={data} />
              <details>
                <summary>Every measurement</summary>
                <MeasurementTable list={data} whoRecorded={(m) => (m.recordedByRole === 'client' ? 'You' : 'Your coach')} />
              </details>
            </>
          )}
          <h3>Add a measurement</h3>
          <MeasurementForm units={data.units} path="/api/v1/me/measurements" onRecorded={() => list.reload()} />
        </>
      )}
    </section>
  );
}
