import type { Money } from '@clientele/platform/core';
import { createHash } from 'node:crypto';

/** What checkout asks a payment provider to sell: one product to one buyer, as purchase `purchaseId`. */
export interface CheckoutStart {
  purchaseId: string;
  accountId: string;
  productId: string;
  productName: string;
  amount: Money;
  buyerEmail: string;
  successUrl: string;
  cancelUrl: string;
}

/** Paid at once, or the buyer pays on the provider's page (`paymentUrl`) and a webhook says how it went. */
export type CheckoutOpening =
  | { kind: 'paid' } // CompletedImmediately
  | { kind: 'redirect'; providerSessionId: string; paymentUrl: string };

/**
 * A way to take a buyer's money. Both calls are idempotent: `start` per purchase id (a retried
 * checkout opens the same payment page), `refund` per idempotency key (a retried refund refunds once).
 */
export interface PaymentProvider {
  start(request: CheckoutStart): Promise<CheckoutOpening>;
  refund(request: { purchaseId: string; paymentIntentId: string; amount: Money; idempotencyKey: string }): Promise<{ providerRefundId: string }>;
}

/** Which provider sells for an account: Stripe when connected, else CompletedImmediately outside production, else refuse. */
export interface PaymentProviders {
  forAccount(accountId: string): Promise<PaymentProvider>;
}

/**
 * Every payment completes at once: the development and test provider of an account that has not
 * connected Stripe (never in production). Its refunds have a synthetic id, the same for the same key.
 */
export class CompletedImmediately implements PaymentProvider {
  async start(): Promise<CheckoutOpening> {
    return { kind: 'paid' };
  }

  async refund(request: { idempotencyKey: string }): Promise<{ providerRefundId: string }> {
    return { providerRefundId: `immediate_re_${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 24)}` };
  }
}

/** The Stripe idempotency key of a purchase's checkout session: a retried checkout opens the same session. */
export const checkoutIdempotencyKey = (purchaseId: string) => `clientele-checkout-${purchaseId}`;
