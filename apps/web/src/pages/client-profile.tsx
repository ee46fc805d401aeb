import { useEffect, useState } from 'react';
import { api, ApiError, formatDateTime, formatMoney, type ClientProfile, type HistoryEntry, type Message, type Note, type Page, type Product, type PurchaseView } from '../api';
import { ChangeTypeDialog, DeleteClientsDialog } from '../components/client-dialogs';
import { Dialog, ErrorNote, Field, Menu, Notice, Skeleton, TypeBadge, fieldError, useSubmit } from '../components/ui';
import { useLoad } from '../hooks/use-load';
import { WHY_NOT, useCan } from '../capabilities';
import { Link, useRouter } from '../router';
import { Finances, Programs, RevenueKpis, SessionKpis, Sessions } from './client-scheduling';
import { ProgressTab } from './client-progress';

type Tab = 'overview' | 'programs' | 'finances' | 'progress' | 'contact' | 'messages' | 'purchases' | 'history';
const TABS: { id: Tab; label: string }[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'programs', label: 'Programs' },
  { id: 'finances', label: 'Finances' },
  { id: 'progress', label: 'Progress' },
  { id: 'contact', label: 'Contact' },
  { id: 'messages', label: 'Messages' },
  { id: 'purchases', label: 'Purchases' },
  { id: 'history', label: 'History' },
];

const isTab = (value: string | null): value is Tab => TABS.some((t) => t.id === value);

/**
 * The profile's address says which tab is open (`?tab=contact`), and `edit=1` opens Contact's form
 * (the list's "Edit" links there): a reload keeps the place, and a link can be shared.
 */
function profilePath(clientId: string, tab: Tab, edit = false): string {
  const params = new URLSearchParams();
  if (tab !== 'overview') params.set('tab', tab);
  if (edit && tab === 'contact') params.set('edit', '1');
  const search = params.toString();
  return `/clients/${encodeURIComponent(clientId)}${search ? `?${search}` : ''}`;
}

const APP_ACCESS: Record<ClientProfile['appAccess'], string> = {
  none: 'No app access',
  not_invited: 'Not invited to the app yet',
  invited: 'Invited to the app',
  active: 'Uses the app',
};

/** The profile card: who the client is, with the menu at the top right and a tab per concern. */
export function ClientProfilePage({ clientId }: { clientId: string }) {
  const { navigate, query } = useRouter();
  const requested = query.get('tab');
  const tab: Tab = isTab(requested) ? requested : 'overview';
  const editing = tab === 'contact' && query.get('edit') === '1';
  // Tabs are places on one page: the address changes in place, without a new history entry.
  const open = (next: Tab, edit = false) => navigate(profilePath(clientId, next, edit), { replace: true });
  const canDelete = useCan('delete_clients');
  const [dialog, setDialog] = useState<'type' | 'delete' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const profile = useLoad(() => api<{ body: ClientProfile; etag: string | null }>(`/api/v1/clients/${clientId}`, { withEtag: true }), [clientId]);
  const client = profile.data?.body ?? null;
  const etag = profile.data?.etag ?? null;
  const error = profile.error;
  const load = profile.reload;

  const act = async (action: () => Promise<unknown>, message: string) => {
    setNotice(null);
    try {
      await action();
      setNotice(message);
    } catch (caught) {
      setNotice(caught instanceof ApiError ? caught.detail : 'That did not work. Please try again.');
    }
  };

  if (error instanceof ApiError && error.status === 404) {
    return (
      <section className="empty-state">
        <h1>This client does not exist</h1>
        <p>They may have been deleted, or belong to another coach.</p>
        <Link to="/clients">Back to the clients</Link>
      </section>
    );
  }
  if (!client) return error ? <ErrorNote error={error} /> : <Skeleton rows={6} />;
  const name = `${client.firstName} ${client.lastName}`;
  return (
    <section className="profile">
      <p className="breadcrumb">
        <Link to="/clients">Clients</Link> / {name}
      </p>
      <header className="profile-card">
        <div className="avatar" aria-hidden="true">
          {(client.firstName[0] ?? '?').toUpperCase()}
          {(client.lastName[0] ?? '').toUpperCase()}
        </div>
        <div className="profile-title">
          <h1>{name}</h1>
          <p>
            <TypeBadge type={client.type} /> <span className="muted">{APP_ACCESS[client.appAccess]}</span>
            {client.status === 'pending' && <span className="badge badge-pending">Waiting for a seat</span>}
          </p>
        </div>
        <Menu
          label="Client actions"
          items={[
            { label: 'Change Client Type', onSelect: () => setDialog('type') },
            {
              label: 'Resend login details',
              disabled: client.type === 'offline',
              onSelect: () => act(() => api(`/api/v1/clients/${client.id}/login-details`, { method: 'POST' }), `Login details are on their way to ${client.email}.`),
            },
            {
              label: 'Reset password',
              disabled: client.type === 'offline',
              onSelect: () => act(() => api(`/api/v1/clients/${client.id}/password-reset`, { method: 'POST' }), `A password reset link is on its way to ${client.email}.`),
            },
            // A staff member without delete_clients sees why they cannot, instead of a refusal after typing DELETE.
            canDelete
              ? { label: 'Delete', danger: true, onSelect: () => setDialog('delete') }
              : { label: `Delete. ${WHY_NOT.delete_clients}`, danger: true, disabled: true, onSelect: () => undefined },
          ]}
        />
      </header>
      <Notice text={notice} />
      <div role="tablist" aria-label="Client profile" className="tabs">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-selected={tab === t.id} aria-controls={`panel-${t.id}`} onClick={() => open(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
        {tab === 'overview' && (
          <>
            <Overview client={client} onChanged={load} />
            <h2>Recent activity</h2>
            <History client={client} limit={5} />
          </>
        )}
        {tab === 'programs' && <Programs client={client} />}
        {tab === 'finances' && <Finances client={client} />}
        {tab === 'progress' && <ProgressTab client={client} />}
        {tab === 'contact' && <Contact client={client} etag={etag} onSaved={load} editing={editing} setEditing={(edit) => open('contact', edit)} />}
        {tab === 'messages' && <Messages client={client} />}
        {tab === 'purchases' && <Purchases client={client} />}
        {tab === 'history' && <History client={client} />}
      </div>
      {dialog === 'type' && (
        <ChangeTypeDialog
          clientIds={[client.id]}
          current={client.type}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            setNotice('Client type changed.');
            void load();
          }}
        />
      )}
      {dialog === 'delete' && <DeleteClientsDialog clientIds={[client.id]} names={[name]} onClose={() => setDialog(null)} onDone={() => navigate('/clients', { replace: true })} />}
    </section>
  );
}

const NOTES_PAGE = 20;

/** Newest first: the profile's latest notes, then older ones a page at a time ("Show more"). */
function Notes({ client }: { client: ClientProfile }) {
  const [loaded, setLoaded] = useState<{ items: Note[]; total: number } | null>(null);
  // A new note (a new profile version) starts again from the profile's latest.
  useEffect(() => setLoaded(null), [client.id, client.version]);
  const notes = loaded?.items ?? [...client.notes].reverse();
  const total = loaded?.total ?? client.notesTotal ?? client.notes.length;
  const more = useSubmit(async () => {
    const page = loaded ? Math.floor(loaded.items.length / NOTES_PAGE) + 1 : 1;
    const next = await api<Page<Note>>(`/api/v1/clients/${client.id}/notes?page=${page}&pageSize=${NOTES_PAGE}`);
    const seen = new Set((loaded?.items ?? []).map((n) => n.id));
    setLoaded({ items: [...(loaded?.items ?? []), ...next.items.filter((n) => !seen.has(n.id))], total: next.total });
  });
  return (
    <>
      <ul className="notes" aria-label="Coach notes">
        {notes.map((n) => (
          <li key={n.id}>
            <p>{n.body}</p>
            <small className="muted">{formatDateTime(n.createdAt)}</small>
          </li>
        ))}
        {total === 0 && <li className="muted">No notes yet.</li>}
      </ul>
      <ErrorNote error={more.error} />
      {notes.length < total && (
        <p className="list-more">
          <span className="muted">
            {notes.length} of {total}
          </span>{' '}
          <button type="button" className="link-button" onClick={() => void more.submit()} disabled={more.busy}>
            Show more
          </button>
        </p>
      )}
    </>
  );
}

function Overview({ client, onChanged }: { client: ClientProfile; onChanged: () => Promise<void> }) {
  const [note, setNote] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    await api(`/api/v1/clients/${client.id}/notes`, { method: 'POST', body: { body: note } });
    setNote('');
    await onChanged();
  });
  const [sessionsChanged, setSessionsChanged] = useState(0);
  const k = client.kpis;
  return (
    <div className="overview">
      <SessionKpis clientId={client.id} refreshKey={sessionsChanged} />
      <dl className="kpis" aria-label="Messages and purchases">
        <div>
          <dt>Messages from you</dt>
          <dd>{k.messagesFromCoach}</dd>
        </div>
        <div>
          <dt>Messages from {client.firstName}</dt>
          <dd>{k.messagesFromClient}</dd>
        </div>
        <div>
          <dt>Purchases</dt>
          <dd>{k.purchases}</dd>
        </div>
      </dl>
      <RevenueKpis clientId={client.id} refreshKey={sessionsChanged} />
      <p className="muted">
        Added {formatDateTime(client.createdAt)} ({client.source.kind === 'product' ? 'bought a product' : client.source.kind === 'import' ? 'imported' : 'added by hand'}). Last
        activity: {formatDateTime(client.lastActivityAt)}.
      </p>
      <h2>Coach notes</h2>
      <form onSubmit={submit} className="note-form">
        <Field label="New note" error={fieldError(error, 'body')}>
          {(p) => <textarea {...p} rows={3} value={note} onChange={(e) => setNote(e.target.value)} placeholder="Only you and your team see notes." />}
        </Field>
        <ErrorNote error={error && !fieldError(error, 'body') ? error : null} />
        <button type="submit" disabled={busy || !note.trim()}>
          Add note
        </button>
      </form>
      <Notes client={client} />
      <Sessions client={client} onChanged={() => setSessionsChanged((n) => n + 1)} />
    </div>
  );
}

/**
 * What a coach is told after giving a client a new address. A client who signs in keeps their
 * old address until they confirm the new one (docs/api.md, "Sign-in identities"); an invitation
 * not used yet moves to the new address. Without app access, it is only contact data.
 */
function emailChangeNotice(client: ClientProfile, from: string, to: string): string | null {
  if (client.type === 'offline' || client.appAccess === 'none') return null;
  if (client.appAccess === 'active') {
    return `A confirmation link went to ${to}, and a notice to ${from}. ${client.firstName} keeps signing in with ${from} until they open the link; from then on they sign in with ${to}.`;
  }
  if (client.appAccess === 'invited') return `The invitation now goes to ${to}; the one sent to ${from} no longer works.`;
  return null;
}

function Contact({
  client,
  etag,
  onSaved,
  editing,
  setEditing,
}: {
  client: ClientProfile;
  etag: string | null;
  onSaved: () => Promise<void>;
  editing: boolean;
  setEditing: (editing: boolean) => void;
}) {
  const blank = () => ({ firstName: client.firstName, lastName: client.lastName, email: client.email, phone: client.phone ?? '' });
  const [form, setForm] = useState(blank);
  const [notice, setNotice] = useState<string | null>(null);
  // Opening the form (from the button or from an address with edit=1) starts from the client as they are.
  useEffect(() => {
    if (editing) setForm(blank());
  }, [editing, client.id]);
  const { busy, error, submit, setError } = useSubmit(async () => {
    const before = client;
    const email = form.email.trim();
    await api(`/api/v1/clients/${client.id}`, {
      method: 'PATCH',
      headers: etag ? { 'if-match': etag } : {},
      body: { firstName: form.firstName, lastName: form.lastName, email, phone: form.phone.trim() ? form.phone.trim() : null },
    });
    const moved = email.toLowerCase() !== before.email.toLowerCase();
    setNotice(moved ? emailChangeNotice(before, before.email, email) : null);
    setEditing(false);
    await onSaved();
  });
  const conflict = error instanceof ApiError && error.code === 'concurrency_conflict';
  // An address that is taken (another client's, or one that signs in elsewhere) is said as a sentence on the field.
  const emailError = error instanceof ApiError && error.code === 'email_taken' ? error.detail : fieldError(error, 'email');
  if (!editing) {
    return (
      <div>
        <Notice text={notice} />
        <dl className="contact">
          <dt>Name</dt>
          <dd>
            {client.firstName} {client.lastName}
          </dd>
          <dt>E-mail</dt>
          <dd>{client.email}</dd>
          <dt>Phone</dt>
          <dd>{client.phone ?? '—'}</dd>
        </dl>
        <button
          type="button"
          onClick={() => {
            setError(null);
            setNotice(null);
            setEditing(true);
          }}
        >
          Edit contact
        </button>
      </div>
    );
  }
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });
  const hasLogin = client.appAccess === 'active' && client.type !== 'offline';
  return (
    <form onSubmit={submit} noValidate className="contact-form">
      <div className="field-row">
        <Field label="First name" error={fieldError(error, 'firstName')}>
          {(p) => <input {...p} value={form.firstName} onChange={set('firstName')} />}
        </Field>
        <Field label="Last name" error={fieldError(error, 'lastName')}>
          {(p) => <input {...p} value={form.lastName} onChange={set('lastName')} />}
        </Field>
      </div>
      <Field
        label="E-mail"
        error={emailError}
        hint={hasLogin ? `${client.firstName} signs in with this address. A new one is used to sign in only once ${client.firstName} confirms it from the link we e-mail there.` : undefined}
      >
        {(p) => <input {...p} type="email" value={form.email} onChange={set('email')} />}
      </Field>
      <Field label="Phone" error={fieldError(error, 'phone')}>
        {(p) => <input {...p} type="tel" value={form.phone} onChange={set('phone')} />}
      </Field>
      {conflict ? (
        <p className="error-note" role="alert">
          Someone else changed this client while you were editing.{' '}
          <button type="button" className="link-button" onClick={() => void onSaved().then(() => setEditing(false))}>
            Load their version
          </button>{' '}
          and make your change again.
        </p>
      ) : (
        <ErrorNote error={error && !emailError && !['firstName', 'lastName', 'phone'].some((f) => fieldError(error, f)) ? error : null} />
      )}
      <div className="form-actions">
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  );
}

function Messages({ client }: { client: ClientProfile }) {
  const [body, setBody] = useState('');
  const messages = useLoad(() => api<{ items: Message[] }>(`/api/v1/clients/${client.id}/messages`), [client.id]);
  const thread = messages.data?.items ?? null;
  const error = messages.error;
  const send = useSubmit(async () => {
    await api(`/api/v1/clients/${client.id}/messages`, { method: 'POST', body: { body } });
    setBody('');
    await messages.reload();
  });
  const offline = client.type === 'offline';
  return (
    <div className="messages">
      <ErrorNote error={error} />
      {!thread ? (
        <Skeleton rows={3} />
      ) : (
        <ol className="thread" aria-label="Messages">
          {thread.map((m) => (
            <li key={m.id} className={`bubble from-${m.from}`}>
              <p>{m.body}</p>
              <small>{formatDateTime(m.sentAt)}</small>
            </li>
          ))}
          {thread.length === 0 && <li className="muted">No messages yet.</li>}
        </ol>
      )}
      {client.type === 'full_access_one_way' && <p className="muted">{client.firstName} can read your messages but cannot reply (one-way messaging).</p>}
      <form onSubmit={send.submit} className="composer">
        <label htmlFor="composer" className="visually-hidden">
          Message to {client.firstName}
        </label>
        <textarea id="composer" rows={2} value={body} onChange={(e) => setBody(e.target.value)} disabled={offline} placeholder={offline ? '' : `Write to ${client.firstName}…`} />
        <button type="submit" className="primary" disabled={offline || send.busy || !body.trim()}>
          Send
        </button>
      </form>
      {offline && (
        <p className="muted" id="composer-disabled">
          {client.firstName} is an offline client: they have no app, so messages cannot reach them. Change their client type to message them.
        </p>
      )}
      <ErrorNote error={send.error} />
    </div>
  );
}

/** A refund goes to Stripe first: it shows (in Finances too) once Stripe confirms it, so the dialog says what happens. */
function RefundPurchaseDialog({ client, purchase, name, onClose, onRequested }: { client: ClientProfile; purchase: PurchaseView; name: string; onClose: () => void; onRequested: (text: string) => void }) {
  // One key per dialog: a second press (or a retry after a network error) refunds once.
  const [key] = useState(() => crypto.randomUUID());
  const refund = useSubmit(async () => {
    await api(`/api/v1/clients/${client.id}/purchases/${encodeURIComponent(purchase.purchaseId)}/refund`, { method: 'POST', body: {}, headers: { 'idempotency-key': key } });
    onRequested('Refund requested; it shows once Stripe confirms it.');
  });
  return (
    <Dialog title={`Refund ${name}?`} onClose={onClose}>
      <form onSubmit={refund.submit} className="dialog-body">
        <p>
          {formatMoney(purchase.amount)} goes back to {client.firstName} through the payment they made. They stay a client: change their type or delete them
          separately if that should end too.
        </p>
        <ErrorNote error={refund.error} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Keep the payment
          </button>
          <button type="submit" className="danger" disabled={refund.busy}>
            {refund.busy ? 'Refunding…' : 'Refund'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function Purchases({ client }: { client: ClientProfile }) {
  const purchases = useLoad(() => api<{ items: PurchaseView[] | null }>(`/api/v1/clients/${client.id}/purchases`).then((a) => a.items ?? []), [client.id]);
  // Only to name what was bought: without them the purchases still show.
  const catalogue = useLoad(() => api<{ items: Product[] }>('/api/v1/products?pageSize=100'), [client.id]);
  // Refunds need manage_products, as the API says.
  const canRefund = useCan('manage_products');
  const [refunding, setRefunding] = useState<PurchaseView | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const items = purchases.data;
  const error = purchases.error;
  const products: Record<string, string> = Object.fromEntries((catalogue.data?.items ?? []).map((p) => [p.id, p.name]));
  if (error) return <ErrorNote error={error} />;
  if (!items) return <Skeleton rows={2} />;
  if (items.length === 0) return <p className="muted">No purchases yet.</p>;
  return (
    <>
      <Notice text={notice} />
      <table>
        <thead>
          <tr>
            <th>Product</th>
            <th>Amount</th>
            <th>Date</th>
            {canRefund && (
              <th>
                <span className="visually-hidden">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {items.map((p) => (
            <tr key={p.purchaseId}>
              <td>{products[p.productId] ?? 'A product'}</td>
              <td>{formatMoney(p.amount)}</td>
              <td>{formatDateTime(p.purchasedAt)}</td>
              {canRefund && (
                <td>
                  <button type="button" onClick={() => setRefunding(p)}>
                    Refund
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {refunding && (
        <RefundPurchaseDialog
          client={client}
          purchase={refunding}
          name={products[refunding.productId] ?? 'this purchase'}
          onClose={() => setRefunding(null)}
          onRequested={(text) => {
            setRefunding(null);
            setNotice(text);
          }}
        />
      )}
    </>
  );
}

const HISTORY_LABELS: Record<string, (data: Record<string, unknown>) => string> = {
  ClientAdded: (d) => `Added as ${label(d.type)}`,
  ClientTypeChanged: (d) => `Client type changed from ${label(d.from)} to ${label(d.to)}`,
  ClientContactChanged: () => 'Contact details changed',
  ClientNoteAdded: () => 'Note added',
  ClientReassigned: () => 'Assigned to another coach',
  ClientLoginDetailsRequested: (d) => (d.kind === 'invitation' ? 'Invitation sent' : 'Login details sent'),
  ClientPasswordResetRequested: () => 'Password reset sent',
  ClientActivated: () => 'Got a seat',
  ClientAppAccessActivated: () => 'Started using the app',
  ClientMessageRecorded: (d) => (d.from === 'coach' ? 'Message sent' : 'Message received'),
  ClientPurchaseRecorded: () => 'Bought a product',
};

function label(type: unknown): string {
  return type === 'full_access' ? 'Full access' : type === 'full_access_one_way' ? 'One-way messaging' : type === 'offline' ? 'Offline' : String(type);
}

function History({ client, limit }: { client: ClientProfile; limit?: number }) {
  const history = useLoad(() => api<{ items: HistoryEntry[] }>(`/api/v1/clients/${client.id}/history`), [client.id, client.version]);
  const items = history.data?.items ?? null;
  const error = history.error;
  if (error) return <ErrorNote error={error} />;
  if (!items) return <Skeleton rows={4} />;
  return (
    <ol className="history">
      {[...items].reverse().slice(0, limit ?? items.length).map((item) => (
        <li key={item.position} className={item.type === 'ClientTypeChanged' ? 'type-change' : undefined}>
          <span>{(HISTORY_LABELS[item.type] ?? (() => item.type))(item.data)}</span>
          <small className="muted">
            {formatDateTime(item.occurredAt)}
            {item.actor ? ` · by ${item.actor.role === 'client' ? 'the client' : item.actor.role}` : ''}
          </small>
        </li>
      ))}
    </ol>
  );
}
