import type { FastifyInstance } from 'fastify';

/**
 * The web app loads only its own scripts, styles and API: no inline script can run (an injected
 * `<script>` or `onerror=` does nothing), no other origin is reached, and no site may frame a page
 * (clickjacking). React sets `style` through the CSSOM, which style-src does not govern, so the app
 * needs no 'unsafe-inline'. API answers get the same policy: a JSON body opened as a page runs nothing.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Swagger UI (/docs) is third-party HTML with inline <style> blocks and style attributes: it gets
 * 'unsafe-inline' for styles only, and still no inline script.
 */
export const DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

const COMMON_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  // Reset and invitation links carry their token in the URL: no page may hand it to another site.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // Browsers keep it only from an HTTPS answer (behind the TLS proxy); over plain HTTP it is ignored.
  'strict-transport-security': 'max-age=31536000',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** Every answer of the gateway, pages, assets, API and errors alike, carries the security headers. */
export function addSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const docs = request.url === '/docs' || request.url.startsWith('/docs/') || request.url.startsWith('/docs?');
    void reply.headers({ ...COMMON_HEADERS, 'content-security-policy': docs ? DOCS_CONTENT_SECURITY_POLICY : CONTENT_SECURITY_POLICY });
    done();
  });
}
