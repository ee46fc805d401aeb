import { useEffect, type ReactNode } from 'react';
import { Link, Router, matchPath, useRouter } from './router';
import { SessionProvider, useSession } from './session';
import { ClientSignInPage, SignInPage, SignUpPage, ForgotPasswordPage } from './pages/auth';
import { HomePage } from './pages/home';
import { ClientsPage } from './pages/clients';
import { ClientProfilePage } from './pages/client-profile';
import { ProductsPage } from './pages/products';
import { CheckoutPage } from './pages/checkout';
import { AcceptInvitationPage, ConfirmEmailPage, ResetPasswordPage } from './pages/client-links';
import { MePage } from './pages/me';
import { NotFoundPage } from './pages/not-found';
import { ImportClientsPage } from './pages/import';
import { StaffPage } from './pages/staff';
import { SettingsPage } from './pages/settings';
import { useCan } from './capabilities';

export function App() {
  return (
    <Router>
      <SessionProvider>
        <Routes />
      </SessionProvider>
    </Router>
  );
}

/** The staff app's pages: signed out, each shows the coach sign-in, and the page itself once signed in. */
function isStaffPage(path: string): boolean {
  return ['/home', '/clients', '/products', '/staff', '/settings'].includes(path) || matchPath('/clients/:id', path) !== null;
}

/** The client app's pages: `/messages` is linked from the new-message mail, `/me` is the app itself. */
function isClientPage(path: string): boolean {
  return path === '/messages' || path === '/me' || path.startsWith('/me/');
}

/**
 * Public pages first; then a signed-in staff member or client gets their own app. An address the
 * app does not know shows "page not found" (the gateway answers it with 404), signed in or not.
 */
function Routes() {
  const { path, navigate } = useRouter();
  const { session } = useSession();
  const checkout = matchPath('/checkout/:productId', path);
  if (checkout) return <CheckoutPage productId={checkout.productId} />;
  if (path === '/accept-invitation') return <AcceptInvitationPage />;
  if (path === '/reset-password') return <ResetPasswordPage />;
  if (path === '/confirm-email') return <ConfirmEmailPage />;
  if (path === '/forgot-password') return <ForgotPasswordPage />;
  if (!session) {
    if (path === '/signup') return <SignUpPage />;
    // The mails' links (login details, access restored, new message) and the client app: the client's own sign-in.
    if (path === '/login' || isClientPage(path)) return <ClientSignInPage />;
    if (path === '/' || path === '/signin' || isStaffPage(path)) return <SignInPage />;
    return <NotFoundPage home="/" />;
  }
  if (session.user.role === 'client') {
    if (isClientPage(path)) return <MePage />;
    // A sign-in page or a staff page: the client's app is their home.
    const known = path === '/' || path === '/signin' || path === '/signup' || path === '/login' || isStaffPage(path);
    return <Redirect when={known} to="/me" navigate={navigate} page={<NotFoundPage home="/me" />} />;
  }
  if (path === '/' || path === '/signin' || path === '/signup' || path === '/login' || isClientPage(path)) return <Redirect when to="/home" navigate={navigate} page={null} />;
  // `/clients/import` before `/clients/:id`, which would otherwise take "import" for an id.
  const profile = path === '/clients/import' ? null : matchPath('/clients/:id', path);
  let page: ReactNode;
  if (path === '/clients/import') page = <ImportClientsPage />;
  else if (profile) page = <ClientProfilePage clientId={profile.id} />;
  else if (path === '/clients') page = <ClientsPage />;
  else if (path === '/products') page = <ProductsPage />;
  else if (path === '/home') page = <HomePage />;
  else if (path === '/staff') page = <StaffPage />;
  else if (path === '/settings') page = <SettingsPage />;
  else page = <NotFoundPage home="/home" inShell />;
  return <StaffShell>{page}</StaffShell>;
}

function Redirect({ when, to, navigate, page }: { when: boolean; to: string; navigate: (to: string, o?: { replace?: boolean }) => void; page: ReactNode }) {
  useEffect(() => {
    if (when) navigate(to, { replace: true });
  }, [when, to]);
  return when ? null : <>{page}</>;
}

function StaffShell({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { path } = useRouter();
  const admin = useCan('admin');
  const tab = (to: string, label: string) => (
    <Link to={to} className="nav-link" aria-current={path === to || (to === '/clients' && path.startsWith('/clients/')) ? 'page' : undefined}>
      {label}
    </Link>
  );
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/home" className="brand">
          Clientele
        </Link>
        <nav aria-label="Main">
          {tab('/home', 'Home')}
          {tab('/clients', 'Clients')}
          {tab('/products', 'Products')}
          {admin && tab('/staff', 'Staff')}
          {admin && tab('/settings', 'Settings')}
        </nav>
        <div className="topbar-user">
          <span className="muted hide-small">{session!.user.firstName}</span>
          <button type="button" className="link-button" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
