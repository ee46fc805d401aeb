import { PaymentsErrors, type ProviderEvent, type StripeWebhookDelivery } from '@clientele/billing/contracts';
import { AppError } from '@clientele/platform/core';
import Stripe from 'stripe';

export type { ProviderEvent };

/** How old a signature may be (Stripe's default too): an older request is a replay, refused. */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * A webhook request that is not a Stripe event signed with the account's secret: no signature, a
 * signature that does not match the body (tampered, or another secret), or one older than the
 * tolerance (a replay). `invalid_signature`: the route answers 400 and records nothing.
 */
export class WebhookSignatureError extends AppError {
  constructor(reason: string) {
    const refused = PaymentsErrors.invalidSignature(reason);
    super(refused.code, refused.detail);
    this.name = 'WebhookSignatureError';
  }
}

// Verification needs no key of Stripe's, only the endpoint's signing secret: one helper for all accounts.
const webhooks = Stripe.webhooks;

/**
 * Verifies the raw body's signature (`Stripe-Signature`) with `stripe.webhooks.constructEvent` and
 * the tolerance, then says what the event means for a purchase. `nowSeconds` is for tests.
 */
export function readStripeEvent(rawBody: Buffer | string, signatureHeader: string | undefined, webhookSecret: string, nowSeconds?: number): ProviderEvent {
  return providerEventOf(verifiedStripeEvent(rawBody, signatureHeader, webhookSecret, nowSeconds));
}

/** The Stripe event the raw body carries, once its signature is verified (else WebhookSignatureError). */
function verifiedStripeEvent(rawBody: Buffer | string, signatureHeader: string | undefined, webhookSecret: string, nowSeconds?: number): Stripe.Event {
  if (!signatureHeader) throw new WebhookSignatureError('the request has no Stripe-Signature header');
  try {
    return webhooks.constructEvent(rawBody, signatureHeader, webhookSecret, WEBHOOK_TOLERANCE_SECONDS, undefined, nowSeconds === undefined ? undefined : nowSeconds * 1000);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new WebhookSignatureError(/tolerance/i.test(error.message) ? 'its signature is older than five minutes' : 'its signature does not match its body');
    }
    // Signed, but not JSON: nothing Stripe sends.
    throw new WebhookSignatureError('its body is not an event');
  }
}

/** What a verified Stripe event means for a purchase (`ignored`: nothing, e.g. not one of ours). */
export function providerEventOf(event: Stripe.Event): ProviderEvent {
  const ignored: ProviderEvent = { type: 'ignored', eventId: event.id };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const session = event.data.object;
      const ours = purchaseOf(session.metadata, session.client_reference_id);
      if (!ours) return ignored;
      // `unpaid`: a delayed method (a bank debit) is under way; async_payment_succeeded or _failed says how it ends.
      if (session.payment_status === 'unpaid') return ignored;
      const intent = session.payment_intent;
      return {
        type: 'checkout_completed',
        eventId: event.id,
        ...ours,
        providerSessionId: session.id,
        paymentIntentId: typeof intent === 'string' ? intent : (intent?.id ?? null),
      };
    }
    case 'checkout.session.expired':
    case 'checkout.session.async_payment_failed': {
      const session = event.data.object;
      const ours = purchaseOf(session.metadata, session.client_reference_id);
      if (!ours) return ignored;
      return { type: 'checkout_not_completed', eventId: event.id, ...ours, reason: event.type === 'checkout.session.expired' ? 'expired' : 'payment_failed' };
    }
    case 'charge.refunded': {
      const charge = event.data.object;
      const ours = purchaseOf(charge.metadata, null);
      if (!ours) return ignored;
      // Cumulative: billing records the increase over what it already knows, so any order and any redelivery agree.
      const latestRefund = charge.refunds?.data?.[0]?.id ?? null;
      return { type: 'refunded', eventId: event.id, ...ours, amountRefunded: { amount: charge.amount_refunded, currency: charge.currency.toUpperCase() }, providerRefundId: latestRefund };
    }
    // payment_intent.payment_failed, and everything else: a declined card on Stripe Checkout is not
    // the end of the purchase (the buyer may try another card on the same page); the session's
    // expiry or async_payment_failed is.
    default:
      return ignored;
  }
}

/** The purchase and account our metadata names; null for an object Clientele did not create. */
function purchaseOf(metadata: Stripe.Metadata | null | undefined, clientReferenceId: string | null): { purchaseId: string; accountId: string } | null {
  const purchaseId = metadata?.purchaseId || clientReferenceId;
  const accountId = metadata?.accountId;
  return purchaseId && accountId ? { purchaseId, accountId } : null;
}

/**
 * The account a payload claims (its object's metadata.accountId), read BEFORE verification only to
 * pick whose secret verifies it: nothing else of an unverified body is trusted.
 */
export function claimedAccount(rawBody: Buffer | string): string | null {
  try {
    const parsed = JSON.parse(typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')) as { data?: { object?: { metadata?: Record<string, unknown> } } };
    const accountId = parsed?.data?.object?.metadata?.accountId;
    return typeof accountId === 'string' && accountId.length > 0 && accountId.length <= 200 ? accountId : null;
  } catch {
    return null;
  }
}

/** Whether billing.cmd.record-provider-event's data is a delivery to verify (the webhook route's), not an event read already. */
export function isStripeDelivery(data: unknown): data is StripeWebhookDelivery {
  return typeof data === 'object' && data !== null && (data as StripeWebhookDelivery).provider === 'stripe' && typeof (data as StripeWebhookDelivery).rawBody === 'string';
}

/**
 * A delivery of the webhook route, verified with the signing secret of the account its URL names
 * (`/webhook/<accountId>`), or, on the URL without an account, of the account its payload claims:
 * the event it carries, or WebhookSignatureError (invalid_signature, nothing to record) when it is
 * unsigned, tampered, stale, or for no account that connected Stripe.
 *
 * On a business's own URL every event of its Stripe account verifies, Clientele's or not: one that
 * is not a purchase of this business (a charge made elsewhere, no metadata, another Clientele
 * business's purchase when two share a Stripe account) is `ignored`, answered 2xx and recorded as
 * nothing, so Stripe does not retry it for days and then disable the endpoint.
 */
export async function openStripeDelivery(
  secrets: StripeDeliverySecrets,
  delivery: Pick<StripeWebhookDelivery, 'rawBody' | 'signature' | 'accountId'>,
  nowSeconds?: number,
): Promise<ProviderEvent> {
  const body = Buffer.from(delivery.rawBody, 'base64');
  const accountId = delivery.accountId || claimedAccount(body);
  const secret = accountId === null ? null : await secrets.webhookSecretFor(accountId);
  if (accountId === null || secret === null) throw new WebhookSignatureError('it names no business that connected Stripe');
  if (!delivery.signature) throw new WebhookSignatureError('the request has no Stripe-Signature header');
  const verified = verifiedStripeEvent(body, delivery.signature, secret, nowSeconds);
  const event = providerEventOf(await withPaymentIntentMetadata(secrets, accountId, verified));
  // Verified with this account's secret, so sent by its Stripe: it may speak of its own purchases only.
  if (event.type !== 'ignored' && event.accountId !== accountId) return { type: 'ignored', eventId: event.eventId };
  return event;
}

/** What opening a delivery needs of the accounts' Stripe connections (StripePaymentProviders). */
export interface StripeDeliverySecrets {
  webhookSecretFor(accountId: string): Promise<string | null>;
  /**
   * The metadata of one of the account's PaymentIntents, asked of its Stripe; null when Stripe has
   * no such PaymentIntent. Optional: without it a charge without metadata is not ours.
   */
  paymentIntentMetadata?(accountId: string, paymentIntentId: string): Promise<Stripe.Metadata | null>;
}

/**
 * A charge.refunded whose charge carries no metadata of ours, but has a PaymentIntent: the charge
 * of a Checkout payment normally carries the metadata set through payment_intent_data.metadata, but
 * should it not (a charge created before that metadata was set, an integration Stripe changes), the
 * PaymentIntent's own metadata says whose purchase it is. Asked of the account's Stripe, only for
 * such events; a PaymentIntent Stripe does not know, or without our metadata, stays not ours.
 */
async function withPaymentIntentMetadata(secrets: StripeDeliverySecrets, accountId: string, event: Stripe.Event): Promise<Stripe.Event> {
  if (event.type !== 'charge.refunded' || !secrets.paymentIntentMetadata) return event;
  const charge = event.data.object;
  if (charge.metadata?.purchaseId && charge.metadata?.accountId) return event;
  const intent = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id;
  if (!intent) return event;
  const metadata = await secrets.paymentIntentMetadata(accountId, intent);
  if (!metadata?.purchaseId || !metadata.accountId) return event;
  return { ...event, data: { ...event.data, object: { ...charge, metadata: { ...metadata, ...charge.metadata } } } } as Stripe.Event;
}
