import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { api, ApiError, CLIENT_TYPES, TYPE_EXPLANATIONS, TYPE_LABELS, type BulkResult, type ClientProfile, type ClientType } from '../api';
import { Dialog, ErrorNote, Field, fieldError, useSubmit } from './ui';
import { inBulkChunks } from '../bulk-type';
import { useCan } from '../capabilities';
import { Link } from '../router';

/**
 * Add client: the four fields and a type with what it means. A client who will use the app (full
 * access or one-way) is invited by default, as the client-types article says ("Add and send
 * invitation"), with "Add without sending" as the second choice; an offline client can only be added.
 */
export function AddClientDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (client: ClientProfile) => void }) {
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', phone: '', type: 'full_access' as ClientType });
  const isAdmin = useCan('admin');
  const set = (field: 'firstName' | 'lastName' | 'email' | 'phone') => (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: e.target.value });
  // Whether this add sends the invitation (read synchronously by the submit handler). The form's own
  // submit (the primary button, or Enter in a field) sends it; "Add without sending" clears it first.
  const sendInvitation = useRef(true);
  const { busy, error, submit } = useSubmit(async () => {
    const client = await api<ClientProfile>('/api/v1/clients', {
      method: 'POST',
      body: {
        firstName: form.firstName,
        lastName: form.lastName,
        email: form.email,
        ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
        type: form.type,
        sendInvitation: form.type === 'offline' ? false : sendInvitation.current,
      },
    });
    onAdded(client);
  });
  const err = (field: string) => fieldError(error, field);
  const general = error instanceof ApiError && !['firstName', 'lastName', 'email', 'phone', 'type'].some((f) => error.forField(f)) ? error : null;
  return (
    <Dialog title="Add client" onClose={onClose}>
      <form onSubmit={submit} noValidate className="dialog-body">
        <div className="field-row">
          <Field label="First name" error={err('firstName')}>
            {(p) => <input {...p} value={form.firstName} onChange={set('firstName')} autoComplete="off" required />}
          </Field>
          <Field label="Last name" error={err('lastName')}>
            {(p) => <input {...p} value={form.lastName} onChange={set('lastName')} autoComplete="off" required />}
          </Field>
        </div>
        <Field label="E-mail" error={err('email') ?? (error instanceof ApiError && error.code === 'email_taken' ? error.detail : undefined)}>
          {(p) => <input {...p} type="email" value={form.email} onChange={set('email')} autoComplete="off" required />}
        </Field>
        <Field label="Phone (optional)" error={err('phone')}>
          {(p) => <input {...p} type="tel" value={form.phone} onChange={set('phone')} autoComplete="off" />}
        </Field>
        <TypeChoice value={form.type} onChange={(type) => setForm({ ...form, type })} />
        <p className="muted" data-testid="add-client-invitation">
          {form.type === 'offline'
            ? 'Offline clients get no e-mail from Clientele: they have no app to sign in to.'
            : `${form.firstName.trim() || 'The client'} gets an invitation e-mail to choose a password and sign in to the client app. You can also add them now and send it later from their profile.`}
        </p>
        <ErrorNote error={general && general.code !== 'email_taken' ? general : null} />
        {general?.code === 'seat_limit_reached' && isAdmin && (
          <p>
            <Link to="/settings">Raise the seat limit in Settings</Link>
          </p>
        )}
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          {form.type === 'offline' ? (
            <button type="submit" className="primary" disabled={busy}>
              Add
            </button>
          ) : (
            <>
              <button
                type="button"
                disabled={busy}
                onClick={() => {
                  sendInvitation.current = false;
                  void submit().finally(() => (sendInvitation.current = true));
                }}
              >
                Add without sending
              </button>
              <button type="submit" className="primary" onClick={() => (sendInvitation.current = true)} disabled={busy}>
                Add and send invitation
              </button>
            </>
          )}
        </footer>
      </form>
    </Dialog>
  );
}

/** The three types with what each means; `value` null: none chosen yet. `current`: the client's type now, marked as such. */
export function TypeChoice({ value, onChange, legend = 'Client type', current }: { value: ClientType | null; onChange: (type: ClientType) => void; legend?: string; current?: ClientType }) {
  return (
    <fieldset className="type-choice">
      <legend>{legend}</legend>
      {CLIENT_TYPES.map((type) => (
        <label key={type} className={`type-option${value === type ? ' selected' : ''}`} data-current={type === current || undefined}>
          <input type="radio" name="client-type" value={type} checked={value === type} onChange={() => onChange(type)} />
          <span>
            <strong>{TYPE_LABELS[type]}</strong>
            {type === current && (
              <>
                {' '}
                <span className="badge current-type">current</span>
              </>
            )}
            <small>{TYPE_EXPLANATIONS[type]}</small>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/** "Ada Lovelace, Alan Turing and 3 more": who a bulk action is about, without a wall of names. */
export function listNames(names: string[], shown = 8): string {
  if (names.length <= shown) return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? '');
  return `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

/**
 * Change client type, for one client (the profile menu) or many (the list): pick a type, see what
 * it will do (a dry run: invitations to send, clients losing access), then Assign. One client's
 * dialog opens on their current type, marked "current", so nothing changes by accident: Assign
 * waits until another type is chosen. For several clients nothing is chosen until the coach picks
 * one, and `names` (when given) says who they are.
 */
export function ChangeTypeDialog({
  clientIds,
  current,
  names,
  onClose,
  onDone,
}: {
  clientIds: string[];
  current?: ClientType;
  names?: string[];
  onClose: () => void;
  onDone: () => void;
}) {
  const [type, setType] = useState<ClientType | null>(current ?? null);
  // A type to change to: something other than the one client's current type.
  const target = type !== null && type !== current ? type : null;
  const [preview, setPreview] = useState<BulkResult | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setPreview(null);
    setPreviewError(null);
    if (!target) return;
    inBulkChunks(clientIds, (chunk) => api<BulkResult>('/api/v1/clients/bulk/type', { method: 'POST', body: { clientIds: chunk, type: target, dryRun: true } })).then(
      (result) => live && setPreview(result),
      (error) => live && setPreviewError(error),
    );
    return () => {
      live = false;
    };
  }, [target, clientIds.join(',')]);
  const { busy, error, submit } = useSubmit(async () => {
    if (!target) return;
    if (clientIds.length === 1) await api(`/api/v1/clients/${clientIds[0]}/type`, { method: 'PUT', body: { type: target } });
    else await inBulkChunks(clientIds, (chunk) => api<BulkResult>('/api/v1/clients/bulk/type', { method: 'POST', body: { clientIds: chunk, type: target } }));
    onDone();
  });
  const s = preview?.summary;
  const single = clientIds.length === 1;
  return (
    <Dialog title={single ? 'Change client type' : `Change client type of ${clientIds.length} clients`} onClose={onClose}>
      <form onSubmit={submit} className="dialog-body">
        {!single && names && names.length > 0 && (
          <p data-testid="change-type-names">
            <strong>Selected:</strong> {listNames(names)}.
          </p>
        )}
        <TypeChoice value={type} onChange={setType} legend="New client type" current={current} />
        <div className="preview" aria-live="polite" data-testid="change-type-preview">
          {!target ? (
            <p className="muted">
              {type === null
                ? `Choose the type ${single ? 'this client' : `these ${clientIds.length} clients`} should have.`
                : `This is the client's type now. Choose another type to change it.`}
            </p>
          ) : previewError ? (
            <ErrorNote error={previewError} />
          ) : !s ? (
            <p className="muted">Checking what this will change…</p>
          ) : (
            <ul>
              <li>
                {s.changed} {s.changed === 1 ? 'client changes' : 'clients change'} to {TYPE_LABELS[target]}
                {s.unchanged > 0 ? `; ${s.unchanged} already ${s.unchanged === 1 ? 'has' : 'have'} it` : ''}.
              </li>
              {s.invitationsToSend > 0 && (
                <li>
                  {s.invitationsToSend} {s.invitationsToSend === 1 ? 'invitation' : 'invitations'} to the client app will be sent.
                </li>
              )}
              {s.accessRevoked > 0 && (
                <li className="warning">
                  {s.accessRevoked} {s.accessRevoked === 1 ? 'client loses' : 'clients lose'} access to the app and to messages.
                </li>
              )}
              {s.failed > 0 && (
                <li className="warning">
                  {s.failed} cannot be changed: {preview!.results.find((r) => r.error)?.error?.detail}
                </li>
              )}
            </ul>
          )}
        </div>
        <ErrorNote error={error} />
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy || !target || !s || s.changed === 0}>
            Assign
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

/** Deleting is irreversible: the coach types DELETE to confirm. */
export function DeleteClientsDialog({ clientIds, names, onClose, onDone }: { clientIds: string[]; names: string[]; onClose: () => void; onDone: (failed: number) => void }) {
  const [typed, setTyped] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    let failed = 0;
    for (const id of clientIds) {
      try {
        await api(`/api/v1/clients/${id}`, { method: 'DELETE' });
      } catch (caught) {
        if (clientIds.length === 1) throw caught;
        failed++;
      }
    }
    onDone(failed);
  });
  return (
    <Dialog title={clientIds.length === 1 ? `Delete ${names[0]}?` : `Delete ${clientIds.length} clients?`} onClose={onClose}>
      <form onSubmit={submit} className="dialog-body">
        <p>
          This cannot be undone. {clientIds.length === 1 ? 'The client disappears' : 'They disappear'} from every list, their seat is freed, app access ends, and
          their personal data can no longer be read anywhere.
        </p>
        {clientIds.length > 1 && <p className="muted">{names.slice(0, 5).join(', ') + (names.length > 5 ? ` and ${names.length - 5} more` : '')}</p>}
        <Field label='Type "DELETE" to confirm'>{(p) => <input {...p} value={typed} onChange={(e) => setTyped(e.target.value)} autoComplete="off" />}</Field>
        <ErrorNote error={error} />
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy || typed.trim().toUpperCase() !== 'DELETE'}>
            Delete
          </button>
        </footer>
      </form>
    </Dialog>
  );
}
