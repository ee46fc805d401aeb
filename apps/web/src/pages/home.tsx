import { useEffect, useState } from 'react';
import { api, CLIENT_TYPES, formatDate, TYPE_LABELS, type ClientSummary, type Seats } from '../api';
import { ErrorNote, Skeleton, TypeBadge } from '../components/ui';
import { Link } from '../router';
import { useSession } from '../session';

/** Coach home: the latest clients and how the seats are used. */
export function HomePage() {
  const { session } = useSession();
  const [recent, setRecent] = useState<ClientSummary[] | null>(null);
  const [seats, setSeats] = useState<Seats | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<{ items: ClientSummary[] }>('/api/v1/clients/recent?limit=5').then((a) => setRecent(a.items), setError);
    api<Seats>('/api/v1/account/seats').then(setSeats, setError);
  }, []);
  return (
    <section>
      <div className="page-header">
        <h1>Hello, {session!.user.firstName}</h1>
        <Link to="/clients" className="button primary">
          Go to clients
        </Link>
      </div>
      <ErrorNote error={error} />
      <div className="home-grid">
        <article className="card">
          <h2>Client seats</h2>
          {!seats ? (
            <Skeleton rows={3} />
          ) : (
            <>
              <p className="seat-usage" data-testid="seat-usage">
                <strong>{seats.used}</strong> {seats.limit === null ? 'seats used (no limit)' : `of ${seats.limit} seats used`}
              </p>
              {seats.limit !== null && (
                <div className="meter" role="meter" aria-label="Seats used" aria-valuemin={0} aria-valuemax={seats.limit} aria-valuenow={seats.used}>
                  <span style={{ width: `${Math.min(100, (seats.used / Math.max(1, seats.limit)) * 100)}%` }} />
                </div>
              )}
              <ul className="by-type">
                {CLIENT_TYPES.map((t) => (
                  <li key={t}>
                    {TYPE_LABELS[t]}: <strong>{seats.byType[t]}</strong>
                  </li>
                ))}
              </ul>
              {seats.pending > 0 && <p className="warning">{seats.pending} waiting for a seat: raise your seat limit or remove a client to let them in.</p>}
            </>
          )}
        </article>
        <article className="card">
          <h2>Recent clients</h2>
          {!recent ? (
            <Skeleton rows={5} />
          ) : recent.length === 0 ? (
            <p className="muted">
              No clients yet. <Link to="/clients">Add your first client</Link>.
            </p>
          ) : (
            <ul className="recent">
              {recent.map((c) => (
                <li key={c.id}>
                  <Link to={`/clients/${c.id}`}>
                    {c.firstName} {c.lastName}
                  </Link>{' '}
                  <TypeBadge type={c.type} /> <small className="muted">added {formatDate(c.createdAt)}</small>
                </li>
              ))}
            </ul>
          )}
        </article>
      </div>
    </section>
  );
}
