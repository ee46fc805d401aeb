import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Paths the single-page app draws itself (apps/web/src/app.tsx): each answers its index.html with
 * 200, anything else a browser asks for is the app's "page not found" with 404. `/login` and
 * `/messages` are in mails already sent (login details, access restored, new message), so they
 * stay for good: the client sign-in page and the client's messages.
 */
export const WEB_APP_ROUTES = [
  '/',
  '/signin',
  '/signup',
  '/login',
  '/messages',
  '/home',
  '/clients',
  '/clients/:id',
  '/products',
  '/staff',
  '/settings',
  '/checkout/:productId',
  '/accept-invitation',
  '/reset-password',
  '/confirm-email',
  '/forgot-password',
  '/me',
  '/me/*',
];

/** Paths that belong to machines (the API, its documents, health, the assets): never a page, always problem+json. */
const MACHINE_PREFIXES = ['/api', '/docs', '/health', '/metrics', '/assets'];

/**
 * A browser asking for a page the app does not know: a GET or HEAD that accepts HTML, outside the
 * machines' paths. It gets the app with status 404, and the app draws its "page not found".
 */
export function wantsAppPage(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  const path = request.url.split('?')[0].toLowerCase();
  if (MACHINE_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}-`) || path.startsWith(`${prefix}.`))) return false;
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

/**
 * The coach web app, served by the gateway itself (no second server): its hashed assets under
 * `/assets/` (cached for good, since a new build has new names) and its index.html for every
 * route the app draws (never cached, so a deployment shows at once). Any other page a browser asks
 * for gets the same index.html with 404, so a person sees the app's own "page not found" and a way
 * home, never a JSON document; everything else (the API above all) keeps its problem+json 404.
 * Without a build, `/` says how to make one instead of a bare 404.
 */
export async function serveWebApp(app: NestFastifyApplication, webDir: string): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const indexFile = join(webDir, 'index.html');
  const built = existsSync(indexFile);
  if (built) {
    await app.register(fastifyStatic as never, {
      root: join(webDir, 'assets'),
      prefix: '/assets/',
      decorateReply: false,
      immutable: true,
      maxAge: '365d',
    });
  }
  const index = built
    ? readFileSync(indexFile, 'utf8')
    : '<!doctype html><meta charset="utf-8"><title>Clientele</title><p>The web app is not built yet: run <code>npm run build</code> (or <code>npm start</code>, which builds it). The API is at <a href="/docs">/docs</a>.</p>';
  for (const route of WEB_APP_ROUTES) {
    fastify.get(route, (_request, reply) => {
      void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
    });
  }
  // The page carries its icon inline; a page that is not the app's (a JSON answer opened in a tab,
  // Swagger UI) or an old bookmark still asks for /favicon.ico, and gets the same icon.
  const iconFile = join(webDir, 'favicon.svg');
  if (existsSync(iconFile)) {
    const icon = readFileSync(iconFile);
    fastify.get('/favicon.ico', (_request, reply) => {
      void reply.header('cache-control', 'public, max-age=86400').type('image/svg+xml').send(icon);
    });
  }
  // Any route above, or any route of the API, is more specific than this one and wins over it.
  fastify.get('/*', (request, reply) => {
    if (built && wantsAppPage(request)) {
      void reply.status(404).header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(index);
      return;
    }
    // The gateway's own 404: problem+json with the `not_found` code, as if this route did not exist.
    reply.callNotFound();
  });
}
