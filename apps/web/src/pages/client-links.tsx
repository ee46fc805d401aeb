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
    } else navigate('/login', { replace: true });
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
        <Link to="/login">Sign in instead</Link>
      </p>
    </AuthCard>
  );
}

/** What the invitation link can still do: set a password (`open`), nothing because it was used, or nothing any more. */
type InvitationLink = 'checking' | 'open' | 'used' | 'invalid';

/**
 * The invitation link. Opened again once it was used (the mail stays in the inbox), it says so and
 * offers the sign-in, rather than a password form that can only fail.
 */
export function AcceptInvitationPage() {
  const { query } = useRouter();
  const token = query.get('token') ?? '';
  const [link, setLink] = useState<InvitationLink>(token ? 'checking' : 'open');
  useEffect(() => {
    if (!token) return;
    let current = true;
    api<{ status: InvitationLink }>('/api/v1/auth/invitation-status', { method: 'POST', body: { token } }).then(
      (answer) => current && setLink(answer?.status === 'used' || answer?.status === 'invalid' ? answer.status : 'open'),
      // Cannot tell (offline, an older server): the form, whose answer says what went wrong.
      () => current && setLink('open'),
    );
    return () => {
      current = false;
    };
  }, [token]);
  if (link === 'checking') {
    return (
      <AuthCard title="Welcome!">
        <p>Opening your invitation…</p>
      </AuthCard>
    );
  }
  if (link === 'used') {
    return (
      <AuthCard title="Welcome back">
        <p role="status" data-testid="invitation-used">
          This link was used; sign in with your e-mail address and the password you chose.
        </p>
        <p>
          <Link to="/login" className="button primary">
            Sign in
          </Link>
        </p>
        <p className="auth-links">
          <Link to="/forgot-password?for=client">Forgot your password?</Link>
        </p>
      </AuthCard>
    );
  }
  if (link === 'invalid') {
    return (
      <AuthCard title="This link does not work any more">
        <p role="alert">This invitation link was replaced by a newer one or has expired. Ask your coach to send you a new invitation.</p>
        <p className="auth-links">
          <Link to="/login">Sign in</Link>
        </p>
      </AuthCard>
    );
  }
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
        <Link to="/login">Sign in</Link>
      </p>
    </AuthCard>
  );
}
