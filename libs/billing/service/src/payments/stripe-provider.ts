import { PaymentsErrors } from '@clientele/billing/contracts';
import { AppError, ErrorCodes, UnavailableError, type Money } from '@clientele/platform/core';
import type { JsonLogger } from '@clientele/platform/logging';
import Stripe from 'stripe';
import { CheckoutOpening, CheckoutStart, PaymentProvider, checkoutIdempotencyKey } from './payment-provider';

/** The API version this adapter is written against: pinned, so an account's dashboard setting changes nothing here. */
export const STRIPE_API_VERSION = '2025-02-24.acacia' as const;

/** How the Stripe client reaches Stripe's API. */
export interface StripeClientOptions {
  /** Another address for Stripe's API (STRIPE_API_URL): a local stand-in in tests, a proxy. Unset: Stripe's own. */
  apiUrl?: string;
  /** Per request (default 10 s): a checkout waits on it, so well under what a buyer waits. */
  timeoutMs?: number;
  /** Retries of a request that got no answer, a 409 or a 5xx, with the same idempotency key (default 2). */
  maxNetworkRetries?: number;
}

/** The official client for one business's secret key. */
export function stripeClient(secretKey: string, options: StripeClientOptions = {}): Stripe {
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 10_000,
    telemetry: false,
    appInfo: { name: 'Clientele' },
    ...stripeAddress(options.apiUrl),
  });
}

/** STRIPE_API_URL as the client's host, port and protocol options (nothing when unset: Stripe's own). */
export function stripeAddress(apiUrl: string | undefined): { host?: string; port?: number; protocol?: 'http' | 'https' } {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : protocol === 'http' ? 80 : 443, protocol };
}

export interface StripeProviderOptions extends StripeClientOptions {
  accountId: string;
  logger?: JsonLogger;
}

/**
 * A business's own Stripe account, through Stripe Checkout. Each call carries an idempotency key
 * of ours, so a retried checkout opens the same session and a retried refund refunds once (the
 * client's own retries reuse the key too). The purchase's ids travel in the session's and the
 * payment's metadata: Stripe's webhooks bring them back, the refund's charge included.
 */
export class StripeProvider implements PaymentProvider {
  private readonly stripe: Stripe;

  constructor(
    secretKey: string,
    private readonly options: StripeProviderOptions,
  ) {
    this.stripe = stripeClient(secretKey, options);
  }

  async start(request: CheckoutStart): Promise<CheckoutOpening> {
    const metadata = { purchaseId: request.purchaseId, accountId: request.accountId, productId: request.productId };
    try {
      const session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: { currency: request.amount.currency.toLowerCase(), unit_amount: request.amount.amount, product_data: { name: request.productName } },
            },
          ],
          customer_email: request.buyerEmail,
          client_reference_id: request.purchaseId,
          metadata,
          payment_intent_data: { metadata },
          success_url: request.successUrl,
          cancel_url: request.cancelUrl,
          // No expires_at of ours: Stripe's default (24 hours) keeps a retry's parameters the same as the
          // first request's, which an idempotency key requires (a computed expiry would differ).
        },
        { idempotencyKey: checkoutIdempotencyKey(request.purchaseId) },
      );
      if (!session.url) throw new Error(`Stripe answered checkout session ${session.id} without a payment page URL`);
      return { kind: 'redirect', providerSessionId: session.id, paymentUrl: session.url };
    } catch (error) {
      throw this.failure(error, 'open a checkout session', { purchaseId: request.purchaseId });
    }
  }

  async refund(request: { purchaseId: string; paymentIntentId: string; amount: Money; idempotencyKey: string }): Promise<{ providerRefundId: string }> {
    try {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: request.paymentIntentId,
          amount: request.amount.amount,
          metadata: { purchaseId: request.purchaseId, accountId: this.options.accountId },
        },
        { idempotencyKey: request.idempotencyKey },
      );
      return { providerRefundId: refund.id };
    } catch (error) {
      throw this.failure(error, 'refund a payment', { purchaseId: request.purchaseId });
    }
  }

  /** A PaymentIntent's metadata (the webhook's fallback for a charge without ours); null when Stripe has no such PaymentIntent. */
  async paymentIntentMetadata(paymentIntentId: string): Promise<Stripe.Metadata | null> {
    try {
      return (await this.stripe.paymentIntents.retrieve(paymentIntentId)).metadata ?? {};
    } catch (error) {
      if (error instanceof Stripe.errors.StripeInvalidRequestError && error.statusCode === 404) return null;
      throw this.failure(error, 'read a payment intent', { paymentIntentId });
    }
  }

  /**
   * What a failed call means to the person waiting on it. Only Stripe's type, status and request id
   * are logged: never the key (Stripe's own messages mask it, but nothing here relies on that).
   */
  private failure(error: unknown, doing: string, context: Record<string, unknown>): unknown {
    if (!(error instanceof Stripe.errors.StripeError)) return error;
    this.options.logger?.warn(`Stripe did not ${doing}`, {
      ...context,
      accountId: this.options.accountId,
      stripeError: error.type,
      status: error.statusCode ?? null,
      stripeCode: error.code ?? null,
      requestId: error.requestId ?? null,
    });
    return stripeFailure(error);
  }
}

/** A Stripe error as the AppError its caller acts on. */
export function stripeFailure(error: Stripe.errors.StripeError): AppError {
  switch (error.type) {
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      // The key was revoked or lacks a permission: only the business's administrator can fix it.
      return PaymentsErrors.stripeKeyRejected();
    case 'StripeConnectionError':
    case 'StripeAPIError':
    case 'StripeRateLimitError':
      return new UnavailableError('Stripe did not answer; nothing was charged or refunded. Try again in a moment.');
    case 'StripeIdempotencyError':
      // Our key again with other parameters: the product's price or name changed since the first try.
      return new AppError(
        ErrorCodes.idempotencyKeyReused,
        'Stripe already has this request with other details (the product or the amount changed since it was first sent); start a new checkout or refund.',
      );
    case 'StripeInvalidRequestError':
    case 'StripeCardError':
      if ((error.statusCode ?? 0) >= 500) return new UnavailableError('Stripe did not answer; nothing was charged or refunded. Try again in a moment.');
      return PaymentsErrors.paymentRefused(error.message);
    default:
      if ((error.statusCode ?? 0) >= 500 || error.statusCode === undefined) {
        return new UnavailableError('Stripe did not answer; nothing was charged or refunded. Try again in a moment.');
      }
      return PaymentsErrors.paymentRefused(error.message);
  }
}
