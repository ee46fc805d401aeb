import { useCallback, useEffect, useId, useState } from 'react';
import {
  api,
  browserTimeZone,
  CURRENCIES,
  formatDate,
  formatDateTime,
  formatMoney,
  formatMonth,
  formatPercent,
  localDateTimeToIso,
  toMinorUnits,
  type ClientPaymentSummary,
  type ClientProfile,
  type ClientSessionSummary,
  type Money,
  type Page,
  type PaymentStatus,
  type PaymentView,
  type ProgramView,
  type SessionStatus,
  type SessionView,
} from '../api';
import { Dialog, ErrorNote, Field, FormProblem, Notice, SectionHeader, Skeleton, StatusBadge, fieldError, useSubmit } from '../components/ui';

/** The profile's Overview sessions, Programs (bundles) and Finances (payments): the scheduling service's routes. */

export const SESSION_STATUS_LABELS: Record<SessionStatus, string> = {
  scheduled: 'Scheduled',
  completed: 'Completed',
  no_show: 'No-show',
  cancelled: 'Cancelled',
};

export const PAYMENT_STATUS_LABELS: Record<PaymentStatus, string> = {
  pending: 'Payment pending',
  paid: 'Paid',
  refunded: 'Refunded',
};

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

/* ------------------------------------------------------------------ Overview: sessions */

/** Overview KPIs of the sessions and programs; `refreshKey` changes when a session did. */
export function SessionKpis({ clientId, refreshKey }: { clientId: string; refreshKey: number }) {
  const [summary, setSummary] = useState<ClientSessionSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api<ClientSessionSummary>(`/api/v1/clients/${clientId}/sessions/summary`).then((answer) => {
      setSummary(answer);
      setError(null);
    }, setError);
  }, [clientId, refreshKey]);
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

/** Overview: "Schedule session", and the upcoming and past sessions as cards with their actions. */
export function Sessions({ client, onChanged }: { client: ClientProfile; onChanged: () => void }) {
  const [upcoming, setUpcoming] = useState<Page<SessionView> | null>(null);
  const [past, setPast] = useState<Page<SessionView> | null>(null);
  const [upcomingSize, setUpcomingSize] = useState(PAGE_STEP);
  const [pastSize, setPastSize] = useState(PAGE_STEP);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [scheduling, setScheduling] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState<SessionView | null>(null);

  const load = useCallback(async () => {
    try {
      const base = `/api/v1/clients/${client.id}/sessions`;
      const [u, p] = await Promise.all([api<Page<SessionView>>(`${base}?when=upcoming&pageSize=${upcomingSize}`), api<Page<SessionView>>(`${base}?when=past&pageSize=${pastSize}`)]);
      setUpcoming(u);
      setPast(p);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [client.id, upcomingSize, pastSize]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (session: SessionView, action: 'complete' | 'no_show' | 'cancel', reason?: string) => {
    setBusyId(session.id);
    setNotice(null);
    setError(null);
    try {
      if (action === 'cancel') await api(`/api/v1/sessions/${session.id}/cancel`, { method: 'POST', body: reason ? { reason } : {} });
      else await api(`/api/v1/sessions/${session.id}/complete`, { method: 'POST', body: { attended: action === 'complete' } });
      const when = formatDateTime(session.start);
      setNotice(
        action === 'cancel'
          ? `The session of ${when} is cancelled; its slot is free again.`
          : action === 'complete'
            ? `The session of ${when} is completed.`
            : `The session of ${when} is recorded as a no-show.`,
      );
      onChanged();
      await load();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyId(null);
    }
  };
  const onAction = (session: SessionView, action: 'complete' | 'no_show' | 'cancel') => (action === 'cancel' ? setCancelling(session) : void act(session, action));

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
      <ErrorNote error={error} />
      {scheduling && (
        <ScheduleSessionForm
          client={client}
          currency={upcoming?.items[0]?.price.currency ?? past?.items[0]?.price.currency ?? 'EUR'}
          onCancel={() => setScheduling(false)}
          onScheduled={async (session) => {
            setScheduling(false);
            setNotice(`Session scheduled for ${formatDateTime(session.start)}.`);
            onChanged();
            await load();
          }}
        />
      )}
      <h3>Upcoming</h3>
      <SessionList
        label="Upcoming sessions"
        page={upcoming}
        empty="Nothing planned."
        busyId={busyId}
        onAction={onAction}
        onMore={() => setUpcomingSize((n) => Math.min(100, n + PAGE_STEP * 2))}
      />
      <h3>Past</h3>
      <SessionList label="Past sessions" page={past} empty="No sessions yet." busyId={busyId} onAction={onAction} onMore={() => setPastSize((n) => Math.min(100, n + PAGE_STEP * 2))} />
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

function Kpi({ id, label, value, hint, small }: { id: string; label: string; value: string; hint?: string; small?: boolean }) {
  return (
    <div data-kpi={id}>
      <dt>{label}</dt>
      <dd className={small ? 'kpi-small' : undefined}>{value}</dd>
      {hint && <small className="muted">{hint}</small>}
    </div>
  );
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
  onAction: (session: SessionView, action: 'complete' | 'no_show' | 'cancel') => void;
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

function SessionCard({ session, busy, onAction }: { session: SessionView; busy: boolean; onAction: (action: 'complete' | 'no_show' | 'cancel') => void }) {
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

/* ------------------------------------------------------------------ Programs */

const PROGRAM_FIELDS = ['name', 'sessions', 'price', 'amount', 'currency', 'expiresAt', 'productId'];

function programStatus(program: ProgramView): { tone: string; label: string } {
  if (program.status === 'active') return { tone: 'program-active', label: 'Active' };
  return { tone: 'program-completed', label: program.completedReason === 'expired' ? 'Expired' : 'Used up' };
}

/** Programs: the client's bundles (active first), with "New bundle". */
export function Programs({ client }: { client: ClientProfile }) {
  const [programs, setPrograms] = useState<Page<ProgramView> | null>(null);
  const [products, setProducts] = useState<{ id: string; name: string; archived: boolean }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [busyId, setBusyId] = useState<string | null>(null);
  const load = useCallback(
    () =>
      api<Page<ProgramView>>(`/api/v1/clients/${client.id}/programs?pageSize=100`).then((page) => {
        setPrograms(page);
        setError(null);
      }, setError),
    [client.id],
  );
  useEffect(() => {
    void load();
    api<{ items: { id: string; name: string; archived: boolean }[] }>('/api/v1/products?pageSize=100').then((a) => setProducts(a.items), () => undefined);
  }, [load]);
  const productName = (id: string | null) => (id ? (products.find((p) => p.id === id)?.name ?? 'a product') : null);

  const markPaid = async (program: ProgramView) => {
    setBusyId(program.id);
    setNotice(null);
    setError(null);
    try {
      await api(`/api/v1/clients/${client.id}/programs/${program.id}/payment`, { method: 'POST', body: {} });
      setNotice(`${program.name} is paid.`);
      await load();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyId(null);
    }
  };

  const active = programs?.items.filter((p) => p.status === 'active').length ?? 0;
  return (
    <div className="programs">
      <SectionHeader title="Programs">
        {!creating && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New bundle
          </button>
        )}
      </SectionHeader>
      <Notice text={notice} />
      {creating && (
        <NewBundleForm
          client={client}
          products={products.filter((p) => !p.archived)}
          onCancel={() => setCreating(false)}
          onCreated={async (program) => {
            setCreating(false);
            setNotice(`${program.name} created: ${program.sessions} session${program.sessions === 1 ? '' : 's'}.`);
            await load();
          }}
        />
      )}
      <ErrorNote error={error} />
      {!programs ? (
        !error && <Skeleton rows={3} />
      ) : programs.items.length === 0 ? (
        <p className="muted">No bundles yet. A bundle holds N sessions: each completed session uses one, oldest bundle first.</p>
      ) : (
        <>
          <p className="muted">
            {active} active, {programs.items.length - active} completed.
          </p>
          <div className="table-wrap">
            <table aria-label="Bundles">
              <thead>
                <tr>
                  <th>Bundle</th>
                  <th>Status</th>
                  <th>Sessions used</th>
                  <th>Remaining</th>
                  <th className="hide-small">Expires</th>
                  <th>Price</th>
                  <th>Payment</th>
                  <th>
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {programs.items.map((program) => {
                  const status = programStatus(program);
                  const product = productName(program.productId);
                  return (
                    <tr key={program.id} data-program-id={program.id} className={program.status === 'completed' ? 'archived' : undefined}>
                      <td>
                        {program.name}
                        {(product || program.source === 'product') && <small className="muted block">{product ? `Sold as ${product}` : 'From a purchase'}</small>}
                      </td>
                      <td>
                        <StatusBadge tone={status.tone}>{status.label}</StatusBadge>
                      </td>
                      <td data-cell="used">
                        <span>
                          {program.used} of {program.sessions}
                        </span>
                        <div className="meter meter-small" role="meter" aria-label={`${program.name}: sessions used`} aria-valuemin={0} aria-valuemax={program.sessions} aria-valuenow={program.used}>
                          <span style={{ width: `${Math.min(100, (program.used / Math.max(1, program.sessions)) * 100)}%` }} />
                        </div>
                      </td>
                      <td data-cell="remaining">{program.remaining}</td>
                      <td className="hide-small">{program.expiresAt ? formatDate(program.expiresAt) : 'Never'}</td>
                      <td>{program.price.amount > 0 ? formatMoney(program.price) : 'Free'}</td>
                      <td>{program.payment ? <StatusBadge tone={`pay-${program.payment.status}`}>{PAYMENT_STATUS_LABELS[program.payment.status]}</StatusBadge> : <span className="muted">—</span>}</td>
                      <td>
                        <div className="row-actions">
                          {program.payment?.status === 'pending' && (
                            <button type="button" disabled={busyId === program.id} onClick={() => markPaid(program)}>
                              Mark paid
                            </button>
                          )}
                        </div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <MoreThanShown page={programs} />
        </>
      )}
    </div>
  );
}

/** Lists show up to 100 rows; say so when there are more. */
function MoreThanShown({ page }: { page: Page<unknown> }) {
  if (page.total <= page.items.length) return null;
  return (
    <p className="muted list-more">
      Showing the first {page.items.length} of {page.total}.
    </p>
  );
}

/** A `date` value ("2027-03-01") as the instant that day ends in the browser's time zone: the bundle is good through that day. */
function endOfLocalDay(value: string): string | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  const date = new Date(y, m - 1, d + 1, 0, 0, 0, 0);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function NewBundleForm({
  client,
  products,
  onCancel,
  onCreated,
}: {
  client: ClientProfile;
  products: { id: string; name: string }[];
  onCancel: () => void;
  onCreated: (program: ProgramView) => Promise<void>;
}) {
  const [form, setForm] = useState({ name: '', sessions: '10', price: '', currency: 'EUR', expires: '', productId: '' });
  const { busy, error, submit } = useSubmit(async () => {
    const program = await api<ProgramView>(`/api/v1/clients/${client.id}/programs`, {
      method: 'POST',
      body: {
        name: form.name,
        sessions: Number(form.sessions),
        price: form.price.trim() ? { amount: toMinorUnits(form.price), currency: form.currency } : undefined,
        expiresAt: endOfLocalDay(form.expires),
        productId: form.productId || undefined,
      },
    });
    await onCreated(program);
  });
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  return (
    <form className="card bundle-form" onSubmit={submit} noValidate aria-label="New bundle">
      <div className="field-row">
        <Field label="Bundle name" error={fieldError(error, 'name')}>
          {(p) => <input {...p} value={form.name} maxLength={200} onChange={set('name')} placeholder="10 sessions pack" />}
        </Field>
        <Field label="Sessions" error={fieldError(error, 'sessions')}>
          {(p) => <input {...p} type="number" min={1} max={500} value={form.sessions} onChange={set('sessions')} />}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Bundle price" error={fieldError(error, 'amount') ?? fieldError(error, 'price')} hint="What the client pays for the bundle; empty if free.">
          {(p) => <input {...p} inputMode="decimal" value={form.price} onChange={set('price')} placeholder="450.00" />}
        </Field>
        <Field label="Currency" error={fieldError(error, 'currency')}>
          {(p) => (
            <select {...p} value={form.currency} onChange={set('currency')}>
              {CURRENCIES.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <div className="field-row">
        <Field label="Expires after" error={fieldError(error, 'expiresAt')} hint="Optional: the last day it can be used.">
          {(p) => <input {...p} type="date" value={form.expires} onChange={set('expires')} />}
        </Field>
        <Field label="Sold as" error={fieldError(error, 'productId')}>
          {(p) => (
            <select {...p} value={form.productId} onChange={set('productId')}>
              <option value="">No product</option>
              {products.map((product) => (
                <option key={product.id} value={product.id}>
                  {product.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <FormProblem error={error} fields={PROGRAM_FIELDS} />
      <div className="form-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Create bundle
        </button>
      </div>
    </form>
  );
}

/* ------------------------------------------------------------------ Finances */

type PaymentFilter = '' | PaymentStatus;

/** The payment's own routes: a session's, or (newer servers) a bundle's. */
function paymentPath(client: ClientProfile, payment: PaymentView, action: 'payment' | 'refund'): string | null {
  const bundle = payment.kind === 'bundle' || (!payment.sessionId && payment.bundleId);
  if (bundle) return payment.bundleId ? `/api/v1/clients/${client.id}/programs/${payment.bundleId}/${action}` : null;
  return payment.sessionId ? `/api/v1/sessions/${payment.sessionId}/${action}` : null;
}

function paymentKey(payment: PaymentView): string {
  return payment.sessionId ? `session:${payment.sessionId}` : `bundle:${payment.bundleId ?? ''}`;
}

/** Finances: revenue, outstanding, last payment, the 12-month chart and the payment list. */
export function Finances({ client }: { client: ClientProfile }) {
  const [summary, setSummary] = useState<ClientPaymentSummary | null>(null);
  const [payments, setPayments] = useState<Page<PaymentView> | null>(null);
  const [filter, setFilter] = useState<PaymentFilter>('');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busyKey, setBusyKey] = useState<string | null>(null);
  const [refunding, setRefunding] = useState<PaymentView | null>(null);

  const load = useCallback(async () => {
    try {
      const [s, p] = await Promise.all([
        api<ClientPaymentSummary>(`/api/v1/clients/${client.id}/payments/summary`),
        api<Page<PaymentView>>(`/api/v1/clients/${client.id}/payments?pageSize=100${filter ? `&status=${filter}` : ''}`),
      ]);
      setSummary(s);
      setPayments(p);
      setError(null);
    } catch (caught) {
      setError(caught);
    }
  }, [client.id, filter]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (payment: PaymentView, action: 'payment' | 'refund') => {
    const path = paymentPath(client, payment, action);
    if (!path) return;
    setBusyKey(paymentKey(payment));
    setNotice(null);
    setError(null);
    try {
      await api(path, { method: 'POST', body: {} });
      setNotice(action === 'payment' ? `${formatMoney(payment.amount)} recorded as paid.` : `${formatMoney(payment.amount)} refunded.`);
      await load();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyKey(null);
    }
  };

  return (
    <div className="finances">
      {!summary ? (
        !error && <Skeleton rows={2} />
      ) : (
        <>
          <dl className="kpis" aria-label="Finances">
            <Kpi id="revenue" label="Revenue" value={formatMoney(summary.revenue)} hint="Paid minus refunded" />
            <Kpi id="outstanding" label="Outstanding" value={formatMoney(summary.outstanding)} hint="Owed, not paid yet" />
            <Kpi
              id="last-payment"
              label="Last payment"
              value={summary.lastPayment ? formatMoney(summary.lastPayment.amount) : 'None yet'}
              hint={summary.lastPayment ? formatDate(summary.lastPayment.paidAt) : undefined}
            />
          </dl>
          {(summary.otherCurrencies ?? []).length > 0 && (
            <p className="muted" data-testid="other-currencies">
              Also billed in other currencies:{' '}
              {summary.otherCurrencies!.map((o) => `${formatMoney(o.revenue)} paid, ${formatMoney(o.outstanding)} outstanding`).join('; ')}.
            </p>
          )}
          <RevenueChart monthly={summary.monthly} />
        </>
      )}
      <SectionHeader title="Payments">
        <label className="inline-filter">
          <span>Show</span>
          <select value={filter} onChange={(e) => setFilter(e.target.value as PaymentFilter)}>
            <option value="">All payments</option>
            <option value="pending">Pending</option>
            <option value="paid">Paid</option>
            <option value="refunded">Refunded</option>
          </select>
        </label>
      </SectionHeader>
      <Notice text={notice} />
      <ErrorNote error={error} />
      {!payments ? (
        !error && <Skeleton rows={3} />
      ) : payments.items.length === 0 ? (
        <p className="muted">{filter ? 'No payments with this status.' : 'Nothing to pay yet: sessions and bundles with a price show here.'}</p>
      ) : (
        <div className="table-wrap">
          <table aria-label="Payments">
            <thead>
              <tr>
                <th>For</th>
                <th>Amount</th>
                <th>Status</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {payments.items.map((payment) => {
                const key = paymentKey(payment);
                const bundle = payment.kind === 'bundle' || (!payment.sessionId && Boolean(payment.bundleId));
                return (
                  <tr key={key} data-payment={key} data-status={payment.status}>
                    <td>
                      {bundle ? (
                        <>Bundle: {payment.bundleName ?? 'a bundle'}</>
                      ) : (
                        <>
                          Session of {formatDateTime(payment.sessionStart)}
                          {payment.sessionStatus && payment.sessionStatus !== 'completed' && <small className="muted block">{SESSION_STATUS_LABELS[payment.sessionStatus]}</small>}
                        </>
                      )}
                    </td>
                    <td>{formatMoney(payment.amount)}</td>
                    <td>
                      <StatusBadge tone={`pay-${payment.status}`}>{PAYMENT_STATUS_LABELS[payment.status]}</StatusBadge>
                      {payment.paidAt && <small className="muted block">paid {formatDate(payment.paidAt)}</small>}
                      {payment.refundedAt && <small className="muted block">refunded {formatDate(payment.refundedAt)}</small>}
                    </td>
                    <td>
                      <div className="row-actions">
                        {payment.status === 'pending' && (
                          <button type="button" disabled={busyKey === key} onClick={() => act(payment, 'payment')}>
                            Mark paid
                          </button>
                        )}
                        {payment.status === 'paid' && (
                          <button type="button" disabled={busyKey === key} onClick={() => setRefunding(payment)}>
                            Refund
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {payments && <MoreThanShown page={payments} />}
      {refunding && (
        <Dialog title={`Refund ${formatMoney(refunding.amount)}?`} onClose={() => setRefunding(null)}>
          <div className="dialog-body">
            <p>The whole payment is refunded and taken out of the revenue. A refunded payment cannot be paid again.</p>
            <div className="dialog-actions">
              <button type="button" onClick={() => setRefunding(null)}>
                Keep it
              </button>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  const payment = refunding;
                  setRefunding(null);
                  void act(payment, 'refund');
                }}
              >
                Refund
              </button>
            </div>
          </div>
        </Dialog>
      )}
    </div>
  );
}

/** Twelve CSS bars, one per month, each with its amount as text for screen readers (no chart library). */
function RevenueChart({ monthly }: { monthly: { month: string; revenue: Money }[] }) {
  const titleId = useId();
  const max = Math.max(0, ...monthly.map((m) => m.revenue.amount));
  return (
    <figure className="bar-chart" aria-labelledby={titleId}>
      <figcaption id={titleId}>Revenue per month, last 12 months</figcaption>
      <ol>
        {monthly.map(({ month, revenue }) => {
          const height = max > 0 ? Math.max(revenue.amount > 0 ? 2 : 0, (Math.max(0, revenue.amount) / max) * 100) : 0;
          const text = `${formatMonth(month, { long: true })}: ${formatMoney(revenue)}`;
          return (
            <li key={month} data-month={month} data-amount={revenue.amount} title={text}>
              <span className="bar-track" aria-hidden="true">
                <span className="bar" style={{ height: `${height}%` }} />
              </span>
              <span className="bar-label" aria-hidden="true">
                {formatMonth(month, { year: false })}
              </span>
              <span className="visually-hidden">{text}</span>
            </li>
          );
        })}
      </ol>
    </figure>
  );
}
