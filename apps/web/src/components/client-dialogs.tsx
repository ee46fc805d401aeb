import { useEffect, useRef, useState, type ChangeEvent } from 'react';
import { api, ApiError, CLIENT_TYPES, TYPE_EXPLANATIONS, TYPE_LABELS, type BulkResult, type ClientProfile, type ClientType } from '../api';
import { Dialog, ErrorNote, Field, fieldError, useSubmit } from './ui';

/** Add client: the four fields, a type with what it means, and "Add" or "Add and send login details". */
export function AddClientDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (client: ClientProfile) => void }) {
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', phone: '', type: 'full_access' as ClientType });
  const set = (field: 'firstName' | 'lastName' | 'email' | 'phone') => (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: e.target.value });
  // Which of the two submit buttons was pressed (read synchronously by the submit handler).
  const sendInvitation = useRef(false);
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
        <ErrorNote error={general && general.code !== 'email_taken' ? general : null} />
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" onClick={() => (sendInvitation.current = false)} disabled={busy}>
            Add
          </button>
          {form.type !== 'offline' && (
            <button type="submit" className="primary" onClick={() => (sendInvitation.current = true)} disabled={busy}>
              Add and send login details
            </button>
          )}
        </footer>
      </form>
    </Dialog>
  );
}

export function TypeChoice({ value, onChange, legend = 'Client type' }: { value: ClientType; onChange: (type: ClientType) => void; legend?: string }) {
  return (
    <fieldset className="type-choice">
      <legend>{legend}</legend>
      {CLIENT_TYPES.map((type) => (
        <label key={type} className={`type-option${value === type ? ' selected' : ''}`}>
          <input type="radio" name="client-type" value={type} checked={value === type} onChange={() => onChange(type)} />
          <span>
            <strong>{TYPE_LABELS[type]}</strong>
            <small>{TYPE_EXPLANATIONS[type]}</small>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

/**
 * Change client type, for one client (the profile menu) or many (the list): pick a type, see what
 * it will do (a dry run: invitations to send, clients losing access), then Assign.
 */
export function ChangeTypeDialog({ clientIds, current, onClose, onDone }: { clientIds: string[]; current?: ClientType; onClose: () => void; onDone: () => void }) {
  const [type, setType] = useState<ClientType>(current && current !== 'full_access' ? 'full_access' : 'full_access_one_way');
  const [preview, setPreview] = useState<BulkResult | null>(null);
  const [previewError, setPreviewError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    setPreview(null);
    setPreviewError(null);
    api<BulkResult>('/api/v1/clients/bulk/type', { method: 'POST', body: { clientIds, type, dryRun: true } }).then(
      (result) => live && setPreview(result),
      (error) => live && setPreviewError(error),
    );
    return () => {
      live = false;
    };
  }, [type, clientIds.join(',')]);
  const { busy, error, submit } = useSubmit(async () => {
    if (clientIds.length === 1) await api(`/api/v1/clients/${clientIds[0]}/type`, { method: 'PUT', body: { type } });
    else await api<BulkResult>('/api/v1/clients/bulk/type', { method: 'POST', body: { clientIds, type } });
    onDone();
  });
  const s = preview?.summary;
  return (
    <Dialog title={clientIds.length === 1 ? 'Change client type' : `Change client type of ${clientIds.length} clients`} onClose={onClose}>
      <form onSubmit={submit} className="dialog-body">
        <TypeChoice value={type} onChange={setType} legend="New client type" />
        <div className="preview" aria-live="polite" data-testid="change-type-preview">
          {previewError ? (
            <ErrorNote error={previewError} />
          ) : !s ? (
            <p className="muted">Checking what this will change…</p>
          ) : (
            <ul>
              <li>
                {s.changed} {s.changed === 1 ? 'client changes' : 'clients change'} to {TYPE_LABELS[type]}
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
          <button type="submit" className="primary" disabled={busy || !s || s.changed === 0}>
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
