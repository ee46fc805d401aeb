import { useId, useState } from 'react';
import {
  api,
  browserTimeZone,
  CURRENCIES,
  formatDateTime,
  formatMoney,
  formatPercent,
  localDateTimeToIso,
  toMinorUnits,
  type ClientProfile,
  type ClientSessionSummary,
  type Page,
  type SessionView,
} from '../../api';
import { Dialog, ErrorNote, Field, FormProblem, Notice, SectionHeader, Skeleton, StatusBadge, fieldError, useSubmit } from '../../components/ui';
import { useAction } from '../../hooks/use-action';
import { useLoad } from '../../hooks/use-load';
import { Kpi, PAYMENT_STATUS_LABELS, SESSION_STATUS_LABELS } from './shared';

/** The profile's Overview tab, its scheduling part: the session KPIs, and the sessions as cards with their actions. */

const PAGE_STEP = 6;

/** A `datetime-local` value for a date, in the browser's time zone. */
function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function nextFullHour(): string {
  const date = new Date();
  date.setHours(date.getHours() + 1, 0, 0, 0);
  return toLocalInput(date);
}

const hasBegun = (session: SessionView) => Date.parse(session.start) <= Date.now();
const isLink = (value: string) => /^https?:\/\//i.test(value);

/** Overview KPIs of the sessions and programs; `refreshKey` changes when a session did. */
export function SessionKpis({ clientId, refreshKey }: { clientId: string; refreshKey: number }) {
  const { data: summary, error } = useLoad(() => api<ClientSessionSummary>(`/api/v1/clients/${clientId}/sessions/summary`), [clientId, refreshKey]);
  if (!summary) return error ? <ErrorNote error={error} /> : <Skeleton rows={2} />;
  const { sessions, programs } = summary;
  return (
    <dl className="kpis" aria-label="Sessions and programs">
      <Kpi id="completed" label="Sessions completed" value={String(sessions.completed)} />
      <Kpi id="upcoming" label="Upcoming sessions" value={String(sessions.upcoming)} />
      <Kpi id="attendance" label="Attendance rate" value={formatPercent(sessions.attendanceRate)} hint={noShows(sessions.noShows)} />
      <Kpi id="next-session" label="Next session" value={sessions.nextSession ? formatDateTime(sessions.nextSession.start) : 'None planned'} small />
      <Kpi id="programs-active" label="Active programs" value={String(programs.active)} />
      <Kpi id="programs-completed" label="Completed programs" value={String(programs.completed)} />
    </dl>
  );
}

type SessionAction = 'complete' | 'no_show' | 'cancel';

/** Overview: "Schedule session", and the upcoming and past sessions as cards with their actions. */
export function Sessions({ client, onChanged }: { client: ClientProfile; onChanged: () => void }) {
  const [upcomingSize, setUpcomingSize] = useState(PAGE_STEP);
  const [pastSize, setPastSize] = useState(PAGE_STEP);
  const [scheduling, setScheduling] = useState(false);
  const [cancelling, setCancelling] = useState<SessionView | null>(null);
  const lists = useLoad(async () => {
    const base = `/api/v1/clients/${client.id}/sessions`;
    const [upcoming, past] = await Promise.all([api<Page<SessionView>>(`${base}?when=upcoming&pageSize=${upcomingSize}`), api<Page<SessionView>>(`${base}?when=past&pageSize=${pastSize}`)]);
    return { upcoming, past };
  }, [client.id, upcomingSize, pastSize]);
  const { busy, notice, setNotice, run } = useAction(lists);
  const upcoming = lists.data?.upcoming ?? null;
  const past = lists.data?.past ?? null;

  const act = (session: SessionView, action: SessionAction, reason?: string) =>
    run(session.id, async () => {
      if (action === 'cancel') await api(`/api/v1/sessions/${session.id}/cancel`, { method: 'POST', body: reason ? { reason } : {} });
      else await api(`/api/v1/sessions/${session.id}/complete`, { method: 'POST', body: { attended: action === 'complete' } });
      onChanged();
      const when = formatDateTime(session.start);
      return action === 'cancel'
        ? `The session of ${when} is cancelled; its slot is free again.`
        : action === 'complete'
          ? `The session of ${when} is completed.`
          : `The session of ${when} is recorded as a no-show.`;
    });
  const onAction = (session: SessionView, action: SessionAction) => (action === 'cancel' ? setCancelling(session) : void act(session, action));

  return (
    <div className="sessions">
      <SectionHeader title="Sessions">
        {!scheduling && (
          <button type="button" className="primary" onClick={() => setScheduling(true)}>
            Schedule session
          </button>
        )}
      </SectionHeader>
      <Notice text={notice} />
      <ErrorNote error={lists.error} />
      {scheduling && (
        <ScheduleSessionForm
          client={client}
          currency={upcoming?.items[0]?.price.currency ?? past?.items[0]?.price.currency ?? 'EUR'}
          onCancel={() => setScheduling(false)}
          onScheduled={async (session) => {
            setScheduling(false);
            setNotice(`Session scheduled for ${formatDateTime(session.start)}.`);
            onChanged();
            await lists.reload();
          }}
        />
      )}
      <h3>Upcoming</h3>
      <SessionList
        label="Upcoming sessions"
        page={upcoming}
        empty="Nothing planned."
        busyId={busy}
        onAction={onAction}
        onMore={() => setUpcomingSize((n) => Math.min(100, n + PAGE_STEP * 2))}
      />
      <h3>Past</h3>
      <SessionList label="Past sessions" page={past} empty="No sessions yet." busyId={busy} onAction={onAction} onMore={() => setPastSize((n) => Math.min(100, n + PAGE_STEP * 2))} />
      {cancelling && (
        <CancelSessionDialog
          session={cancelling}
          onClose={() => setCancelling(null)}
          onConfirm={async (reason) => {
            const session = cancelling;
            setCancelling(null);
            await act(session, 'cancel', reason);
          }}
        />
      )}
    </div>
  );
}

function noShows(count: number): string | undefined {
  return count ? `${count} no-show${count === 1 ? '' : 's'}` : undefined;
}

function SessionList({
  label,
  page,
  empty,
  busyId,
  onAction,
  onMore,
}: {
  label: string;
  page: Page<SessionView> | null;
  empty: string;
  busyId: string | null;
  onAction: (session: SessionView, action: SessionAction) => void;
  onMore: () => void;
}) {
  if (!page) return <Skeleton rows={2} />;
  if (page.items.length === 0) return <p className="muted">{empty}</p>;
  return (
    <>
      <ul className="session-cards" aria-label={label}>
        {page.items.map((session) => (
          <li key={session.id}>
            <SessionCard session={session} busy={busyId === session.id} onAction={(action) => onAction(session, action)} />
          </li>
        ))}
      </ul>
      {page.total > page.items.length && (
        <p className="list-more">
          <span className="muted">
            {page.items.length} of {page.total}
          </span>{' '}
          {page.pageSize < 100 && (
            <button type="button" className="link-button" onClick={onMore}>
              Show more
            </button>
          )}
        </p>
      )}
    </>
  );
}

function SessionCard({ session, busy, onAction }: { session: SessionView; busy: boolean; onAction: (action: SessionAction) => void }) {
  const titleId = useId();
  const scheduled = session.status === 'scheduled';
  const begun = hasBegun(session);
  return (
    <article className={`session-card session-${session.status}`} aria-labelledby={titleId} data-session-id={session.id} data-status={session.status}>
      <header>
        <h4 id={titleId}>{formatDateTime(session.start)}</h4>
        <StatusBadge tone={scheduled && begun ? 'session-due' : `session-${session.status}`}>{scheduled && begun ? 'To complete' : SESSION_STATUS_LABELS[session.status]}</StatusBadge>
      </header>
      <p>
        {session.durationMinutes} min · {session.online ? 'Online' : 'In person'}
        {session.location &&
          (session.online && isLink(session.location) ? (
            <>
              {' '}
              ·{' '}
              <a href={session.location} target="_blank" rel="noreferrer noopener">
                meeting link
              </a>
            </>
          ) : (
            <> · {session.location}</>
          ))}
      </p>
      <p>
        {session.price.amount > 0 ? formatMoney(session.price) : 'Free'}
        {session.payment && (
          <>
            {' '}
            <StatusBadge tone={`pay-${session.payment.status}`}>{PAYMENT_STATUS_LABELS[session.payment.status]}</StatusBadge>
          </>
        )}
      </p>
      {session.bundleId && <p className="muted covered">Covered by bundle</p>}
      {session.status === 'cancelled' && session.cancellationReason && <p className="muted">Reason: {session.cancellationReason}</p>}
      {scheduled && (
        <div className="card-actions">
          {begun && (
            <>
              <button type="button" className="primary" disabled={busy} onClick={() => onAction('complete')} aria-describedby={titleId}>
                Complete
              </button>
              <button type="button" disabled={busy} onClick={() => onAction('no_show')} aria-describedby={titleId}>
                No-show
              </button>
            </>
          )}
          <button type="button" disabled={busy} onClick={() => onAction('cancel')} aria-describedby={titleId}>
            Cancel
          </button>
        </div>
      )}
    </article>
  );
}

function CancelSessionDialog({ session, onClose, onConfirm }: { session: SessionView; onClose: () => void; onConfirm: (reason: string) => Promise<void> }) {
  const [reason, setReason] = useState('');
  return (
    <Dialog title="Cancel this session?" onClose={onClose}>
      <form
        className="dialog-body"
        onSubmit={(event) => {
          event.preventDefault();
          void onConfirm(reason.trim());
        }}
      >
        <p>
          The session of {formatDateTime(session.start)} is cancelled and its slot freed. {session.payment?.status === 'pending' ? 'Nothing is owed for it any more.' : ''}
        </p>
        <Field label="Reason (optional)">{(p) => <input {...p} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} />}</Field>
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep it
          </button>
          <button type="submit" className="danger">
            Cancel session
          </button>
        </div>
      </form>
    </Dialog>
  );
}

const SCHEDULE_FIELDS = ['start', 'durationMinutes', 'online', 'location', 'price', 'amount', 'currency'];

function ScheduleSessionForm({ client, currency, onCancel, onScheduled }: { client: ClientProfile; currency: string; onCancel: () => void; onScheduled: (session: SessionView) => Promise<void> }) {
  const [form, setForm] = useState({ start: nextFullHour(), duration: '60', online: false, location: '', price: '', currency });
  const { busy, error, submit } = useSubmit(async () => {
    const session = await api<SessionView>(`/api/v1/clients/${client.id}/sessions`, {
      method: 'POST',
      body: {
        start: localDateTimeToIso(form.start),
        durationMinutes: Number(form.duration),
        online: form.online,
        location: form.location.trim() || undefined,
        price: form.price.trim() ? { amount: toMinorUnits(form.price), currency: form.currency } : undefined,
      },
    });
    await onScheduled(session);
  });
  const set = (field: 'start' | 'duration' | 'location' | 'price' | 'currency') => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  const priceError = fieldError(error, 'amount') ?? fieldError(error, 'price');
  return (
    <form className="card schedule-form" onSubmit={submit} noValidate aria-label="Schedule a session">
      <div className="field-row">
        <Field label="Start" error={fieldError(error, 'start')} hint={`Your time: ${browserTimeZone()}`}>
          {(p) => <input {...p} type="datetime-local" value={form.start} onChange={set('start')} />}
        </Field>
        <Field label="Duration (minutes)" error={fieldError(error, 'durationMinutes')}>
          {(p) => <input {...p} type="number" min={5} max={720} step={5} value={form.duration} onChange={set('duration')} />}
        </Field>
      </div>
      <fieldset className="choice-row">
        <legend>Where</legend>
        <label>
          <input type="radio" name="where" checked={!form.online} onChange={() => setForm({ ...form, online: false })} /> In person
        </label>
        <label>
          <input type="radio" name="where" checked={form.online} onChange={() => setForm({ ...form, online: true })} /> Online
        </label>
      </fieldset>
      <Field label={form.online ? 'Meeting link' : 'Address or room'} error={fieldError(error, 'location')} hint="Optional.">
        {(p) => <input {...p} value={form.location} maxLength={500} onChange={set('location')} placeholder={form.online ? 'https://…' : 'Studio 2'} />}
      </Field>
      <div className="field-row">
        <Field label="Price" error={priceError} hint="Leave empty for a free session.">
          {(p) => <input {...p} inputMode="decimal" value={form.price} onChange={set('price')} placeholder="50.00" />}
        </Field>
        <Field label="Currency" error={fieldError(error, 'currency')}>
          {(p) => (
            <select {...p} value={form.currency} onChange={set('currency')}>
              {[...new Set([form.currency, ...CURRENCIES])].map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormProblem error={error} fields={SCHEDULE_FIELDS} />
      <div className="form-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Schedule
        </button>
      </div>
    </form>
  );
}
