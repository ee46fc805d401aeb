import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Paths the single-page app draws itself: each answers its index.html. */
export const WEB_APP_ROUTES = [
  '/',
  '/signin',
  '/signup',
  '/home',
  '/clients',
  '/clients/*',
  '/products',
  '/checkout/*',
  '/accept-invitation',
  '/reset-password',
  '/confirm-email',
  '/forgot-password',
  '/me',
  '/me/*',
];

/**
 * The coach web app, served by the gateway itself (no second server): its hashed assets under
 * `/assets/` (cached for good, since a new build has new names) and its index.html for every
 * route the app draws (never cached, so a deployment shows at once). Without a build, `/` says
 * how to make one instead of a bare 404.
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
}
