import { useEffect, useRef, useState } from 'react';
import { api, type Session } from '../api';
import { ErrorNote, Field, fieldError, useSubmit } from '../components/ui';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { AuthCard } from './auth';

function PasswordForm({ title, intro, endpoint, action }: { title: string; intro: string; endpoint: string; action: string }) {
  const { query, navigate } = useRouter();
  const { adopt } = useSession();
  const token = query.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    if (password !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    const session = await api<Session>(endpoint, { method: 'POST', body: { token, password } });
    if (session?.accessToken) {
      adopt(session);
      navigate(session.user.role === 'client' ? '/me' : '/home', { replace: true });
    } else navigate('/signin', { replace: true });
  });
  if (!token) {
    return (
      <AuthCard title={title}>
        <p role="alert">This link is incomplete. Open the link from your e-mail again, or ask your coach for a new one.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={title}>
      <p>{intro}</p>
      <form onSubmit={submit} noValidate>
        <Field label="New password" hint="At least 10 characters." error={fieldError(error, 'password')}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} />}
        </Field>
        <Field label="Repeat the password" error={mismatch ? 'The two passwords are not the same.' : undefined}>
          {(p) => <input {...p} type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} />}
        </Field>
        <ErrorNote error={error && !fieldError(error, 'password') ? error : null} />
        <button type="submit" className="primary wide" disabled={busy}>
          {action}
        </button>
      </form>
      <p className="auth-links">
        <Link to="/signin">Sign in instead</Link>
      </p>
    </AuthCard>
  );
}

export function AcceptInvitationPage() {
  return <PasswordForm title="Welcome!" intro="Choose a password to start using the app with your coach." endpoint="/api/v1/auth/accept-invitation" action="Create my login" />;
}

export function ResetPasswordPage() {
  return <PasswordForm title="Choose a new password" intro="Pick a new password for your account." endpoint="/api/v1/auth/password-reset/confirm" action="Save the new password" />;
}

/**
 * The link a client gets at the new address their coach gave them. Opening it confirms the
 * address (the link works once): from then on they sign in with it, and the old one stops.
 */
export function ConfirmEmailPage() {
  const { query } = useRouter();
  const token = query.get('token') ?? '';
  const [state, setState] = useState<{ status: 'working' } | { status: 'done'; email: string } | { status: 'failed'; message: string }>({ status: 'working' });
  const started = useRef(false);
  useEffect(() => {
    // Once only, even when React runs effects twice in development.
    if (!token || started.current) return;
    started.current = true;
    api<{ email: string }>('/api/v1/auth/confirm-email', { method: 'POST', body: { token } })
      .then((answer) => setState({ status: 'done', email: answer?.email ?? '' }))
      .catch((error: unknown) => setState({ status: 'failed', message: (error as { detail?: string })?.detail ?? 'This link could not be confirmed. Try again later.' }));
  }, [token]);
  return (
    <AuthCard title="Confirm your e-mail address">
      {!token ? (
        <p role="alert">This link is incomplete. Open the link from your e-mail again.</p>
      ) : state.status === 'working' ? (
        <p>Confirming…</p>
      ) : state.status === 'done' ? (
        <p role="status">Done: from now on you sign in with {state.email}.</p>
      ) : (
        <p role="alert">{state.message}</p>
      )}
      <p className="auth-links">
        <Link to="/signin">Sign in</Link>
      </p>
    </AuthCard>
  );
}
