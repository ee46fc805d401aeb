import { useState, type ChangeEvent, type ReactNode } from 'react';
import { api, type Session } from '../api';
import { Link, useRouter } from '../router';
import { useSession } from '../session';
import { ErrorNote, Field, fieldError, useSubmit } from '../components/ui';

export function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand">Clientele</p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

/** The e-mail and password form both sign-in pages share; `then` says where a signed-in person goes. */
function SignInForm({ then }: { then: (session: Session) => string }) {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const session = await signIn(email, password);
    navigate(then(session), { replace: true });
  });
  return (
    <form onSubmit={submit} noValidate>
      <Field label="E-mail">{(p) => <input {...p} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}</Field>
      <Field label="Password">
        {(p) => <input {...p} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}
      </Field>
      <ErrorNote error={error} />
      <button type="submit" className="primary wide" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

/** Paths that are only a sign-in page: once signed in, the person goes to their home instead. */
const SIGN_IN_PATHS = ['/', '/signin', '/signup', '/login'];

/** The coach's sign-in (and the page of every staff address opened signed out: they land there once signed in). */
export function SignInPage() {
  const { path } = useRouter();
  return (
    <AuthCard title="Sign in">
      <SignInForm then={(session) => (session.user.role === 'client' ? '/me' : SIGN_IN_PATHS.includes(path) ? '/home' : path)} />
      <p className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <span>
          New to Clientele? <Link to="/signup">Create your business account</Link>
        </span>
        <span>
          A client of a coach? <Link to="/login">Sign in to the client app</Link>
        </span>
      </p>
    </AuthCard>
  );
}

/**
 * The client's sign-in, the page the mails link to (`/login`; `/messages` shows it too, then the
 * messages). No business sign-up here. A client whose session just ended reads why; one whose
 * coach paused their access reads that when they sign in (the API says it once the password is right).
 */
export function ClientSignInPage() {
  const { path } = useRouter();
  const { ended } = useSession();
  return (
    <AuthCard title="Sign in to the client app">
      {ended ? (
        <p className="error-note" role="status" data-testid="session-ended">
          You were signed out. {ended}
        </p>
      ) : (
        <p>Use the e-mail address your coach invited and the password you chose.</p>
      )}
      <SignInForm then={(session) => (session.user.role !== 'client' ? '/home' : path === '/messages' ? '/messages' : '/me')} />
      <p className="auth-links">
        <Link to="/forgot-password?for=client">Forgot your password?</Link>
        <span>
          Not invited yet? Your coach sends the invitation; ask them for it.
        </span>
        <span>
          A coach? <Link to="/signin">Sign in to your business</Link>
        </span>
      </p>
    </AuthCard>
  );
}

export function SignUpPage() {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const [form, setForm] = useState({ businessName: '', firstName: '', lastName: '', email: '', password: '' });
  const set = (field: keyof typeof form) => (e: ChangeEvent<HTMLInputElement>) => setForm({ ...form, [field]: e.target.value });
  const { busy, error, submit } = useSubmit(async () => {
    await api('/api/v1/accounts', {
      method: 'POST',
      body: { businessName: form.businessName, owner: { firstName: form.firstName, lastName: form.lastName, email: form.email, password: form.password } },
    });
    await signIn(form.email, form.password);
    navigate('/home', { replace: true });
  });
  const err = (field: string) => fieldError(error, field);
  return (
    <AuthCard title="Create your business account">
      <form onSubmit={submit} noValidate>
        <Field label="Business name" error={err('businessName')}>
          {(p) => <input {...p} autoComplete="organization" value={form.businessName} onChange={set('businessName')} required />}
        </Field>
        <div className="field-row">
          <Field label="First name" error={err('firstName')}>
            {(p) => <input {...p} autoComplete="given-name" value={form.firstName} onChange={set('firstName')} required />}
          </Field>
          <Field label="Last name" error={err('lastName')}>
            {(p) => <input {...p} autoComplete="family-name" value={form.lastName} onChange={set('lastName')} required />}
          </Field>
        </div>
        <Field label="E-mail" error={err('email')}>
          {(p) => <input {...p} type="email" autoComplete="email" value={form.email} onChange={set('email')} required />}
        </Field>
        <Field label="Password" error={err('password')} hint="At least 10 characters.">
          {(p) => <input {...p} type="password" autoComplete="new-password" value={form.password} onChange={set('password')} required />}
        </Field>
        <ErrorNote error={error && !fieldError(error, 'email') && !fieldError(error, 'password') && !fieldError(error, 'businessName') ? error : null} />
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
      <p className="auth-links">
        <span>
          Already have an account? <Link to="/signin">Sign in</Link>
        </span>
      </p>
    </AuthCard>
  );
}

export function ForgotPasswordPage() {
  const { query } = useRouter();
  const back = query.get('for') === 'client' ? '/login' : '/signin';
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const { busy, error, submit } = useSubmit(async () => {
    await api('/api/v1/auth/password-reset/request', { method: 'POST', body: { email } });
    setSent(true);
  });
  return (
    <AuthCard title="Reset your password">
      {sent ? (
        <p role="status">If an account uses {email}, we have sent it a link to choose a new password. It works for one hour.</p>
      ) : (
        <form onSubmit={submit} noValidate>
          <Field label="E-mail">{(p) => <input {...p} type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} required />}</Field>
          <ErrorNote error={error} />
          <button type="submit" className="primary wide" disabled={busy}>
            Send me a link
          </button>
        </form>
      )}
      <p className="auth-links">
        <Link to={back}>Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
