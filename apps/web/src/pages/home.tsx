import { useEffect, useState } from 'react';
import { api, browserTimeZone, CLIENT_TYPES, formatDate, formatTime, TYPE_LABELS, type ClientSummary, type CoachAgenda, type Seats, type SessionView } from '../api';
import { useCan } from '../capabilities';
import { ErrorNote, Skeleton, StatusBadge, TypeBadge } from '../components/ui';
import { Link } from '../router';
import { useSession } from '../session';
import { SESSION_STATUS_LABELS } from './client-scheduling';

/** Coach home: today's and this week's sessions, the latest clients and how the seats are used. */
export function HomePage() {
  const { session } = useSession();
  const canCreate = useCan('create_clients');
  const isAdmin = useCan('admin');
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
        <Agenda />
        <article className="card">
          <h2>Recent clients</h2>
          {!recent ? (
            <Skeleton rows={5} />
          ) : recent.length === 0 ? (
            <p className="muted">
              No clients yet.{' '}
              {canCreate ? (
                <>
                  <Link to="/clients?add=1">Add your first client</Link>.
                </>
              ) : (
                <Link to="/clients">Go to the clients</Link>
              )}
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
        <article className="card">
          <h2>Client seats</h2>
          {!seats ? (
            <Skeleton rows={3} />
          ) : (
            <>
              <p className="seat-usage" data-testid="seat-usage">
                <strong>{seats.used}</strong> {seats.limit === null ? `seat${seats.used === 1 ? '' : 's'} used (no limit)` : `of ${seats.limit} seat${seats.limit === 1 ? '' : 's'} used`}
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
              {seats.pending > 0 && (
                <p className="warning">
                  {seats.pending} waiting for a seat:{' '}
                  {isAdmin ? (
                    <>
                      <Link to="/settings">raise the seat limit in Settings</Link> or remove a client to let them in.
                    </>
                  ) : (
                    'remove a client, or ask an administrator to raise the seat limit in Settings, to let them in.'
                  )}
                </p>
              )}
            </>
          )}
        </article>
      </div>
    </section>
  );
}

/** The caller's sessions of today and of this week (Monday to Sunday) in the browser's time zone. */
function Agenda() {
  const [agenda, setAgenda] = useState<CoachAgenda | null>(null);
  const [names, setNames] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api<CoachAgenda>(`/api/v1/sessions/agenda?tz=${encodeURIComponent(browserTimeZone())}`).then(async (answer) => {
      if (!live) return;
      setAgenda(answer);
      // Sessions name their client by id: one look-up per client of the week.
      const ids = [...new Set(answer.week.items.concat(answer.today.items).map((s) => s.clientId))];
      const found = await Promise.all(
        ids.map((id) =>
          api<ClientSummary>(`/api/v1/clients/${id}`).then(
            (c) => [id, `${c.firstName} ${c.lastName}`] as const,
            () => [id, 'A client'] as const,
          ),
        ),
      );
      if (live) setNames(Object.fromEntries(found));
    }, setError);
    return () => {
      live = false;
    };
  }, []);
  const item = (session: SessionView, withDay: boolean) => (
    <li key={session.id} data-session-id={session.id}>
      <span className="agenda-when">
        {withDay && `${new Date(session.start).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' })} `}
        {formatTime(session.start)}–{formatTime(session.end)}
      </span>{' '}
      <Link to={`/clients/${session.clientId}`}>{names[session.clientId] ?? 'Client'}</Link>{' '}
      <small className="muted">
        {session.durationMinutes} min · {session.online ? 'online' : (session.location ?? 'in person')}
      </small>
      {session.status !== 'scheduled' && (
        <>
          {' '}
          <StatusBadge tone={`session-${session.status}`}>{SESSION_STATUS_LABELS[session.status]}</StatusBadge>
        </>
      )}
    </li>
  );
  const weekEnd = agenda ? new Date(Date.parse(agenda.week.to) - 1).toISOString() : null;
  return (
    <article className="card agenda" aria-labelledby="agenda-title">
      <h2 id="agenda-title">Agenda</h2>
      <ErrorNote error={error} />
      {!agenda ? (
        !error && <Skeleton rows={3} />
      ) : (
        <>
          <h3>Today</h3>
          {agenda.today.items.length === 0 ? (
            <p className="muted">No sessions today.</p>
          ) : (
            <ul className="agenda-list" aria-label="Today's sessions">
              {agenda.today.items.map((s) => item(s, false))}
            </ul>
          )}
          <h3>
            This week <small className="muted">({formatDate(agenda.week.from)} – {formatDate(weekEnd)})</small>
          </h3>
          {agenda.week.items.length === 0 ? (
            <p className="muted">No sessions this week.</p>
          ) : (
            <ul className="agenda-list" aria-label="This week's sessions">
              {agenda.week.items.map((s) => item(s, true))}
            </ul>
          )}
        </>
      )}
    </article>
  );
}
