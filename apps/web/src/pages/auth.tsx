import { useState, type ChangeEvent, type ReactNode } from 'react';
import { api } from '../api';
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

export function SignInPage() {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, submit } = useSubmit(async () => {
    const session = await signIn(email, password);
    navigate(session.user.role === 'client' ? '/me' : '/home', { replace: true });
  });
  return (
    <AuthCard title="Sign in">
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
      <p className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <span>
          New to Clientele? <Link to="/signup">Create your business account</Link>
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
        <Link to="/signin">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}
