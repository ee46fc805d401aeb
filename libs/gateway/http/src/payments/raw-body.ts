import type { FastifyRequest } from 'fastify';

/**
 * Where Stripe delivers its events: each business pastes its own URL, `<path>/<accountId>`, into
 * Stripe (README, "Payments with Stripe"); the path without an account is the first version's URL,
 * kept for the events that name their account.
 */
export const STRIPE_WEBHOOK_PATH = '/api/v1/payments/stripe/webhook';
/** The route of a business's own webhook URL (Fastify's pattern, as routeOptions.url has it). */
export const STRIPE_ACCOUNT_WEBHOOK_PATH = `${STRIPE_WEBHOOK_PATH}/:accountId`;

/**
 * Routes whose body reaches the controller as the bytes that were sent (a Buffer), not parsed:
 * Stripe signs the exact bytes, and any re-serialisation (key order, spacing, escapes) breaks the
 * signature. Every other route gets its JSON parsed as before.
 */
const RAW_BODY_ROUTES = new Set([STRIPE_WEBHOOK_PATH, STRIPE_ACCOUNT_WEBHOOK_PATH]);

export function keepsRawBody(request: FastifyRequest): boolean {
  return RAW_BODY_ROUTES.has(request.routeOptions?.url ?? '');
}

/**
 * A Stripe event is a few kilobytes; the bus carries the body base64-encoded (a third larger), so a
 * body past this is refused at the door rather than sent on (1 MiB holds for the other routes).
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;
