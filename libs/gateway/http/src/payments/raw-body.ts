import type { FastifyRequest } from 'fastify';

/** Where Stripe delivers its events (README, "Payments with Stripe": the URL a business pastes into Stripe). */
export const STRIPE_WEBHOOK_PATH = '/api/v1/payments/stripe/webhook';

/**
 * Routes whose body reaches the controller as the bytes that were sent (a Buffer), not parsed:
 * Stripe signs the exact bytes, and any re-serialisation (key order, spacing, escapes) breaks the
 * signature. Every other route gets its JSON parsed as before.
 */
const RAW_BODY_ROUTES = new Set([STRIPE_WEBHOOK_PATH]);

export function keepsRawBody(request: FastifyRequest): boolean {
  return RAW_BODY_ROUTES.has(request.routeOptions?.url ?? '');
}

/**
 * A Stripe event is a few kilobytes; the bus carries the body base64-encoded (a third larger), so a
 * body past this is refused at the door rather than sent on (1 MiB holds for the other routes).
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 256 * 1024;
