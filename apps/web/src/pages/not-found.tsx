import { Link, useRouter } from '../router';
import { AuthCard } from './auth';

/**
 * The app's own "page not found": an address the app does not know (mistyped, or from an old
 * mail), answered by the gateway with 404. It says so in plain words and offers the way home;
 * inside the staff app it keeps the app's navigation around it.
 */
export function NotFoundPage({ home = '/', inShell = false }: { home?: string; inShell?: boolean }) {
  const { path } = useRouter();
  const body = (
    <>
      <p data-testid="not-found">
        There is no page at <code>{path}</code>. The address may be mistyped, or the page has moved.
      </p>
      <p>
        <Link to={home} className="button primary">
          Go to the home page
        </Link>
      </p>
    </>
  );
  if (inShell) {
    return (
      <section className="card">
        <h1>Page not found</h1>
        {body}
      </section>
    );
  }
  return <AuthCard title="Page not found">{body}</AuthCard>;
}
