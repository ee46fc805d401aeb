import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, formatDateTime, type Message, type OwnProfile } from '../api';
import { ErrorNote, Field, Skeleton, fieldError, useSubmit } from '../components/ui';
import { useSession } from '../session';
import { MyProgress } from './my-progress';

/** A signed-in client: their messages with the coach, and their profile. */
export function MePage() {
  const { session, signOut } = useSession();
  const [profile, setProfile] = useState<OwnProfile | null>(null);
  const [thread, setThread] = useState<Message[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [body, setBody] = useState('');
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ firstName: '', lastName: '', phone: '' });
  const loadThread = useCallback(() => api<{ items: Message[] }>('/api/v1/me/messages').then((a) => setThread(a.items), setError), []);
  useEffect(() => {
    api<OwnProfile>('/api/v1/me/profile').then(setProfile, setError);
    void loadThread();
  }, [loadThread]);
  const send = useSubmit(async () => {
    await api('/api/v1/me/messages', { method: 'POST', body: { body } });
    setBody('');
    await loadThread();
  });
  const save = useSubmit(async () => {
    const updated = await api<OwnProfile>('/api/v1/me/profile', { method: 'PATCH', body: { firstName: form.firstName, lastName: form.lastName, phone: form.phone.trim() || null } });
    setProfile(updated);
    setEditing(false);
  });
  const oneWay = profile?.type === 'full_access_one_way';
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Clientele</span>
        <div className="topbar-user">
          <span className="muted hide-small">{session!.user.firstName}</span>
          <button type="button" className="link-button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content me">
        <ErrorNote error={error instanceof ApiError && error.status !== 401 ? error : null} />
        <section className="card">
          <h1>Messages with your coach</h1>
          {!thread ? (
            <Skeleton rows={3} />
          ) : (
            <ol className="thread" aria-label="Messages">
              {thread.map((m) => (
                <li key={m.id} className={`bubble from-${m.from === 'client' ? 'coach' : 'client'}`}>
                  <p>{m.body}</p>
                  <small>
                    {m.from === 'client' ? 'You' : 'Your coach'} · {formatDateTime(m.sentAt)}
                  </small>
                </li>
              ))}
              {thread.length === 0 && <li className="muted">No messages yet.</li>}
            </ol>
          )}
          <form onSubmit={send.submit} className="composer">
            <label htmlFor="me-composer" className="visually-hidden">
              Message to your coach
            </label>
            <textarea
              id="me-composer"
              rows={2}
              value={body}
              onChange={(e) => setBody(e.target.value)}
              disabled={!profile || oneWay}
              aria-describedby={oneWay ? 'one-way-note' : undefined}
              placeholder={oneWay ? '' : 'Write to your coach…'}
            />
            <button type="submit" className="primary" disabled={!profile || oneWay || send.busy || !body.trim()}>
              Send
            </button>
          </form>
          {oneWay && (
            <p className="muted" id="one-way-note" data-testid="one-way-note">
              Your coach sends you messages here, but replies are turned off for your plan. Contact your coach another way if you need to answer.
            </p>
          )}
          <ErrorNote error={send.error} />
        </section>
        <MyProgress />
        <section className="card">
          <h2>Your profile</h2>
          {!profile ? (
            <Skeleton rows={3} />
          ) : editing ? (
            <form onSubmit={save.submit} noValidate>
              <div className="field-row">
                <Field label="First name" error={fieldError(save.error, 'firstName')}>
                  {(p) => <input {...p} value={form.firstName} onChange={(e) => setForm({ ...form, firstName: e.target.value })} />}
                </Field>
                <Field label="Last name" error={fieldError(save.error, 'lastName')}>
                  {(p) => <input {...p} value={form.lastName} onChange={(e) => setForm({ ...form, lastName: e.target.value })} />}
                </Field>
              </div>
              <Field label="Phone" error={fieldError(save.error, 'phone')}>
                {(p) => <input {...p} type="tel" value={form.phone} onChange={(e) => setForm({ ...form, phone: e.target.value })} />}
              </Field>
              <ErrorNote error={save.error} />
              <div className="form-actions">
                <button type="button" onClick={() => setEditing(false)}>
                  Cancel
                </button>
                <button type="submit" className="primary" disabled={save.busy}>
                  Save
                </button>
              </div>
            </form>
          ) : (
            <>
              <dl className="contact">
                <dt>Name</dt>
                <dd>
                  {profile.firstName} {profile.lastName}
                </dd>
                <dt>E-mail</dt>
                <dd>{profile.email}</dd>
                <dt>Phone</dt>
                <dd>{profile.phone ?? '—'}</dd>
              </dl>
              <button
                type="button"
                onClick={() => {
                  setForm({ firstName: profile.firstName, lastName: profile.lastName, phone: profile.phone ?? '' });
                  setEditing(true);
                }}
              >
                Edit
              </button>
            </>
          )}
        </section>
      </main>
    </div>
  );
}
