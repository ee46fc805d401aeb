import { useState } from 'react';
import { api, formatDate, type StaffMember } from '../api';
import { Dialog, ErrorNote, Field, FormProblem, Menu, Notice, SectionHeader, Skeleton, fieldError, useSubmit } from '../components/ui';
import { useAction } from '../hooks/use-action';
import { useLoad } from '../hooks/use-load';
import { useCan } from '../capabilities';
import { useSession } from '../session';

type Role = 'coach' | 'admin';
type StaffCapability = 'create_clients' | 'delete_clients' | 'manage_products' | 'import_clients';

/** The API's capabilities (docs/api.md) as a person reads them, with what each one allows. */
const CAPABILITIES: { value: StaffCapability; label: string; hint: string }[] = [
  { value: 'create_clients', label: 'Add clients', hint: 'Add clients one by one.' },
  { value: 'import_clients', label: 'Import clients', hint: 'Add many clients at once from a spreadsheet.' },
  { value: 'delete_clients', label: 'Delete clients', hint: 'Delete a client and their data for good.' },
  { value: 'manage_products', label: 'Manage products', hint: 'Create, change and archive products.' },
];

const ROLE_LABELS: Record<Role, string> = { coach: 'Coach', admin: 'Administrator' };

const ROLE_HINTS: Record<Role, string> = {
  coach: 'Sees and works with the clients assigned to them, and does what you allow below.',
  admin: 'Sees every client and can do everything, including staff and settings.',
};

function capabilityLabels(member: Pick<StaffMember, 'role' | 'capabilities'>): string {
  if (member.role === 'admin') return 'Everything';
  const labels = CAPABILITIES.filter((c) => member.capabilities.includes(c.value)).map((c) => c.label);
  return labels.length ? labels.join(', ') : 'Only their own clients';
}

/** A random password nobody reads: the member chooses their own from the e-mailed link. */
function unguessablePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(36).padStart(2, '0')).join('');
}

/** The role and, for a coach, what they may do: one fieldset shared by the add form and the change dialog. */
function AccessFields({
  role,
  capabilities,
  onRole,
  onCapabilities,
  roleLocked,
  error,
}: {
  role: Role;
  capabilities: StaffCapability[];
  onRole: (role: Role) => void;
  onCapabilities: (capabilities: StaffCapability[]) => void;
  /** Why the role cannot change here (the owner, oneself); null when it can. */
  roleLocked: string | null;
  error: unknown;
}) {
  const toggle = (capability: StaffCapability, on: boolean) =>
    onCapabilities(on ? [...capabilities, capability] : capabilities.filter((c) => c !== capability));
  return (
    <>
      <fieldset className="type-choice">
        <legend>Role</legend>
        {(['coach', 'admin'] as Role[]).map((r) => (
          <label key={r} className={`type-option${role === r ? ' selected' : ''}`}>
            <input type="radio" name="staff-role" value={r} checked={role === r} disabled={roleLocked !== null && role !== r} onChange={() => onRole(r)} />
            <span>
              {ROLE_LABELS[r]}
              <small>{ROLE_HINTS[r]}</small>
            </span>
          </label>
        ))}
        {roleLocked && <small className="hint">{roleLocked}</small>}
        {fieldError(error, 'role') && <small className="field-error">{fieldError(error, 'role')}</small>}
      </fieldset>
      {role === 'coach' ? (
        <fieldset className="type-choice">
          <legend>This coach can also</legend>
          {CAPABILITIES.map((c) => (
            <label key={c.value} className={`type-option${capabilities.includes(c.value) ? ' selected' : ''}`}>
              <input type="checkbox" name="capabilities" value={c.value} checked={capabilities.includes(c.value)} onChange={(e) => toggle(c.value, e.target.checked)} />
              <span>
                {c.label}
                <small>{c.hint}</small>
              </span>
            </label>
          ))}
          {fieldError(error, 'capabilities') && <small className="field-error">{fieldError(error, 'capabilities')}</small>}
        </fieldset>
      ) : (
        <p className="muted">Administrators can do everything: add, import and delete clients, manage products, staff and settings.</p>
      )}
    </>
  );
}

const EMPTY_FORM = { firstName: '', lastName: '', email: '', password: '', role: 'coach' as Role, capabilities: ['create_clients'] as StaffCapability[] };

/** Add a member: a coach or an administrator, and what a coach may do. */
function AddStaffForm({ onAdded }: { onAdded: (notice: string) => Promise<void> }) {
  const [form, setForm] = useState(EMPTY_FORM);
  const add = useSubmit(async () => {
    // No password typed: the member chooses their own from the link we e-mail them.
    const sendLink = form.password === '';
    const member = await api<StaffMember>('/api/v1/staff', {
      method: 'POST',
      body: {
        firstName: form.firstName,
        lastName: form.lastName,
        email: form.email,
        password: sendLink ? unguessablePassword() : form.password,
        role: form.role,
        ...(form.role === 'coach' ? { capabilities: form.capabilities } : {}),
      },
    });
    if (sendLink) await api(`/api/v1/staff/${member.id}/password-reset`, { method: 'POST' });
    setForm(EMPTY_FORM);
    await onAdded(
      sendLink
        ? `${member.firstName} ${member.lastName} is on your staff. A link to choose their password is on its way to ${member.email}.`
        : `${member.firstName} ${member.lastName} is on your staff. They sign in with ${member.email} and the password you chose.`,
    );
  });
  return (
    <form className="card" onSubmit={add.submit} noValidate aria-label="Add a staff member">
      <div className="field-row">
        <Field label="First name" error={fieldError(add.error, 'firstName')}>
          {(p) => <input {...p} autoComplete="off" value={form.firstName} onChange={(e) => setForm({ ...form, firstName: e.target.value })} />}
        </Field>
        <Field label="Last name" error={fieldError(add.error, 'lastName')}>
          {(p) => <input {...p} autoComplete="off" value={form.lastName} onChange={(e) => setForm({ ...form, lastName: e.target.value })} />}
        </Field>
      </div>
      <div className="field-row">
        <Field label="E-mail" hint="They sign in with it." error={fieldError(add.error, 'email')}>
          {(p) => <input {...p} type="email" autoComplete="off" value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />}
        </Field>
        <Field label="Password (optional)" hint="Leave it empty and they get an e-mail to choose their own (the link works for 1 hour)." error={fieldError(add.error, 'password')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />}
        </Field>
      </div>
      <AccessFields
        role={form.role}
        capabilities={form.capabilities}
        onRole={(role) => setForm({ ...form, role })}
        onCapabilities={(capabilities) => setForm({ ...form, capabilities })}
        roleLocked={null}
        error={add.error}
      />
      <FormProblem error={add.error} fields={['firstName', 'lastName', 'email', 'password', 'role', 'capabilities']} />
      <button type="submit" className="primary" disabled={add.busy}>
        Add to staff
      </button>
    </form>
  );
}

/** Change a member's role and capabilities. */
function ChangeAccessDialog({ member, roleLocked, onClose, onChanged }: { member: StaffMember; roleLocked: string | null; onClose: () => void; onChanged: (notice: string) => Promise<void> }) {
  const [role, setRole] = useState<Role>(member.role);
  const [capabilities, setCapabilities] = useState<StaffCapability[]>(member.capabilities as StaffCapability[]);
  const save = useSubmit(async () => {
    const changed = await api<StaffMember>(`/api/v1/staff/${member.id}`, { method: 'PATCH', body: { role, ...(role === 'coach' ? { capabilities } : {}) } });
    await onChanged(`${changed.firstName} ${changed.lastName} is now ${changed.role === 'admin' ? 'an administrator' : 'a coach'} (${capabilityLabels(changed).toLowerCase()}). They sign in again to use the change.`);
    onClose();
  });
  return (
    <Dialog title={`Access of ${member.firstName} ${member.lastName}`} onClose={onClose}>
      <form className="dialog-body" onSubmit={save.submit} noValidate>
        <AccessFields role={role} capabilities={capabilities} onRole={setRole} onCapabilities={setCapabilities} roleLocked={roleLocked} error={save.error} />
        <FormProblem error={save.error} fields={['role', 'capabilities']} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={save.busy}>
            Save access
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Remove a member, once confirmed: their sign-in ends and their address is free again. */
function RemoveDialog({ member, onClose, onRemoved }: { member: StaffMember; onClose: () => void; onRemoved: (notice: string) => Promise<void> }) {
  const remove = useSubmit(async () => {
    await api(`/api/v1/staff/${member.id}`, { method: 'DELETE' });
    await onRemoved(`${member.firstName} ${member.lastName} is no longer on your staff.`);
    onClose();
  });
  return (
    <Dialog title={`Remove ${member.firstName} ${member.lastName}?`} onClose={onClose}>
      <form className="dialog-body" onSubmit={remove.submit}>
        <p>They can no longer sign in, and {member.email} is free again. Clients they coach must be assigned to someone else first.</p>
        <FormProblem error={remove.error} fields={[]} />
        <div className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={remove.busy}>
            Remove from staff
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Staff members and their capabilities, for an admin: add, list, change access, send a password reset link. */
export function StaffPage() {
  // A coach who opens the address: a sentence, not a refused request.
  if (!useCan('admin')) return <AdminsOnly />;
  return <StaffList />;
}

function AdminsOnly() {
  return (
    <section>
      <div className="page-header">
        <h1>Staff</h1>
      </div>
      <p className="muted">Only an administrator of the business can see and change its staff; ask one if something needs to change.</p>
    </section>
  );
}

function StaffList() {
  const { session } = useSession();
  const [editing, setEditing] = useState<StaffMember | null>(null);
  const [removing, setRemoving] = useState<StaffMember | null>(null);
  const list = useLoad(() => api<{ items: StaffMember[]; total: number }>('/api/v1/staff?pageSize=100'), []);
  const account = useLoad(() => api<{ ownerId: string }>('/api/v1/account'), []);
  const action = useAction(list);
  const ownerId = account.data?.ownerId;
  const roleLockedFor = (member: StaffMember) =>
    member.id === ownerId ? 'The owner of the business is always an administrator.' : member.id === session?.user.id ? 'You cannot change your own role; another administrator can.' : null;
  const done = async (notice: string) => {
    action.setNotice(notice);
    await list.reload();
  };
  const sendReset = (member: StaffMember) =>
    action.run(member.id, async () => {
      await api(`/api/v1/staff/${member.id}/password-reset`, { method: 'POST' });
      return `A link to choose a new password is on its way to ${member.email}. It works once, for 1 hour.`;
    });
  const members = list.data?.items ?? null;
  return (
    <section>
      <div className="page-header">
        <h1>Staff</h1>
      </div>
      <Notice text={action.notice} />
      <ErrorNote error={list.error} />
      {!members ? (
        <Skeleton rows={3} />
      ) : (
        <div className="table-wrap">
          <table aria-label="Staff members">
            <thead>
              <tr>
                <th>Name</th>
                <th className="hide-small">E-mail</th>
                <th>Role</th>
                <th>Can</th>
                <th className="hide-small">Since</th>
                <th>
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.id} data-staff-id={m.id}>
                  <td>
                    {m.firstName} {m.lastName}
                    {m.id === ownerId && <span className="muted"> (owner)</span>}
                    {m.id === session?.user.id && <span className="muted"> (you)</span>}
                  </td>
                  <td className="hide-small">{m.email}</td>
                  <td>{ROLE_LABELS[m.role]}</td>
                  <td data-testid="staff-capabilities">{capabilityLabels(m)}</td>
                  <td className="hide-small">{formatDate(m.createdAt)}</td>
                  {/* One line: the name and e-mail columns give way, not the actions. */}
                  <td style={{ whiteSpace: 'nowrap' }}>
                    <div className="row-actions" style={{ flexWrap: 'nowrap' }}>
                      <button type="button" onClick={() => setEditing(m)} aria-label={`Change access of ${m.firstName} ${m.lastName}`}>
                        Change access
                      </button>
                      <Menu
                        label={`More for ${m.firstName} ${m.lastName}`}
                        disabled={action.busy === m.id}
                        items={[
                          { label: 'Send password reset link', onSelect: () => void sendReset(m) },
                          // The owner stays, and nobody removes themselves here.
                          ...(m.id !== ownerId && m.id !== session?.user.id ? [{ label: 'Remove from staff', danger: true, onSelect: () => setRemoving(m) }] : []),
                        ]}
                      />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <SectionHeader title="Add a staff member" />
      <AddStaffForm onAdded={done} />
      {editing && <ChangeAccessDialog member={editing} roleLocked={roleLockedFor(editing)} onClose={() => setEditing(null)} onChanged={done} />}
      {removing && <RemoveDialog member={removing} onClose={() => setRemoving(null)} onRemoved={done} />}
    </section>
  );
}
