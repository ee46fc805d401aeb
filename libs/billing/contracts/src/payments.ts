import { defineErrors } from '@clientele/platform/core';

/**
 * How a business takes payments: its own Stripe account, connected by an administrator with a
 * secret key and the signing secret of its webhook endpoint. The secrets go in, never out: the
 * answers name the key only by a hint (`sk_test_…1234`). Subjects: BillingSubjects.connectStripe,
 * disconnectStripe, paymentsSettings.
 */

/** billing.cmd.connect-stripe's request (PUT /api/v1/account/payments/stripe). */
export interface ConnectStripeRequest {
  /** A secret or restricted key: sk_test_…, sk_live_…, rk_test_…, rk_live_…. */
  secretKey: string;
  /** The signing secret of the webhook endpoint, whsec_…. */
  webhookSecret: string;
}

export type StripeMode = 'test' | 'live';

/** billing.query.payments-settings' answer (GET /api/v1/account/payments); connect answers it too. */
export interface PaymentsSettings {
  provider: 'stripe' | 'none';
  connected: boolean;
  /** Stripe's test or live mode, from the key's prefix (connected only). */
  mode?: StripeMode;
  /** The key's prefix and last four characters, to recognise it (connected only). */
  keyHint?: string;
  /** Whether a buyer can pay now: connected, or checkouts complete at once outside production. */
  canSell: boolean;
  /**
   * Where Stripe sends this business's events: the endpoint to create in Stripe's dashboard. It is
   * the business's own (`/api/v1/payments/stripe/webhook/<accountId>`), so that every event of its
   * Stripe account is verified with its signing secret and one Clientele did not start is answered
   * 2xx and ignored, rather than refused (which Stripe retries for days, then disables the endpoint).
   */
  webhookUrl: string;
}

/** The Stripe events to enable on the webhook endpoint (the README and the settings page list them). */
export const STRIPE_WEBHOOK_EVENTS = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
] as const;

export const PaymentsErrors = defineErrors({
  /** Stripe refused the account's key (revoked, or lacking a permission): as not configured (BillingErrors.paymentsNotConfigured). */
  stripeKeyRejected: {
    code: 'payments_not_configured',
    kind: 'conflict',
    sentence: 'Stripe refused this business’s secret key, so it cannot take payments right now: its administrator connects Stripe again in Settings with a valid key.',
  },
  /**
   * Stripe refused the key given to connect it (PUT /api/v1/account/payments/stripe): revoked,
   * mistyped, of another account, or a restricted key without the permissions checkout needs.
   * Nothing is stored.
   */
  stripeKeyRefused: {
    code: 'stripe_key_rejected',
    kind: 'invalid',
    // `what to do`: a sentence of its own, for the person who pasted the key.
    sentence: (whatToDo: string) => `Stripe did not accept this secret key, so nothing was stored. ${whatToDo}`,
  },
  /** Stripe refused the request itself (an amount below its minimum, a refund of more than was paid...). */
  paymentRefused: {
    code: 'payment_refused',
    kind: 'conflict',
    sentence: (reason: string) => `Stripe refused this: ${reason}`,
  },
  /** A webhook request that is not a Stripe event signed for the account it names (unsigned, tampered, stale). */
  invalidSignature: {
    code: 'invalid_signature',
    kind: 'invalid',
    sentence: (reason: string) => `This is not a Stripe event signed for this business (${reason}); nothing was recorded.`,
  },
});

/**
 * A webhook delivery as Stripe sent it (billing.cmd.record-provider-event's data from the webhook
 * route): billing, which holds the account's signing secret, verifies it before recording anything.
 */
export interface StripeWebhookDelivery {
  provider: 'stripe';
  /** The exact bytes of the body, base64: the signature covers them, not a re-serialised JSON. */
  rawBody: string;
  /** The Stripe-Signature header. */
  signature: string;
  /**
   * The account the endpoint's URL names, when it names one: then every event of that Stripe
   * account verifies (one not of Clientele's is ignored with a 2xx, so Stripe never retries it for
   * days). Without it, the account is the one the event's metadata claims.
   */
  accountId?: string;
}
