import { UseCaseHarness, staffActor, type GivenEvent } from '@clientele/platform/testing';
import type { Money } from '@clientele/platform/core';
import type { BillingContext } from '../billing.context';
import { BILLING_CONTEXT } from '../billing.deps';
import { BillingModule } from '../billing.module';
import type { CheckoutOpening, CheckoutStart, PaymentProvider, PaymentProviders } from '../payments/payment-provider';

/** The billing service alone on the embedded adapters, for its commands' use-case tests (every payment completes at once unless `payments` says). */
export const startBilling = (payments?: PaymentProvider | PaymentProviders) =>
  UseCaseHarness.start({
    module: (adapters) => BillingModule.register({ ...adapters, publicUrl: 'http://clientele.test' }, payments),
    readModels: (app) => [app.get<BillingContext>(BILLING_CONTEXT).views],
  });

export const admin = staffActor('admin', 'u-admin', 'a1');
/** A coach without manage_products. */
export const coach = staffActor('coach', 'u-coach', 'a1');

/** A product of account a1 as the store holds it once created. */
export const productCreated = (productId = 'p1', overrides: Record<string, unknown> = {}): GivenEvent => ({
  type: 'ProductCreated',
  data: {
    productId,
    accountId: 'a1',
    name: 'Ten sessions',
    price: { amount: 50000, currency: 'EUR' },
    clientType: 'full_access',
    sessionPack: { sessions: 10, validForDays: 90 },
    createdAt: '2026-01-01T09:00:00.000Z',
    createdBy: 'u-admin',
    ...overrides,
  },
});

export const productArchived = (productId = 'p1'): GivenEvent => ({
  type: 'ProductArchived',
  data: { productId, accountId: 'a1', archivedAt: '2026-01-02T09:00:00.000Z', archivedBy: 'u-admin' },
});

export type RefundCall = { purchaseId: string; paymentIntentId: string; amount: Money; idempotencyKey: string };

/**
 * A payment provider that sends every buyer to a payment page (as Stripe Checkout does), and
 * remembers what it was asked: the use cases' view of the port, not a store of payments.
 * `failRefunds`: the next refunds fail (a crash, a network failure) after being asked.
 */
export class RedirectingProvider implements PaymentProvider {
  readonly starts: CheckoutStart[] = [];
  readonly refunds: RefundCall[] = [];
  failRefunds = 0;

  async start(request: CheckoutStart): Promise<CheckoutOpening> {
    this.starts.push(request);
    return { kind: 'redirect', providerSessionId: `cs_${request.purchaseId}`, paymentUrl: `https://pay.example.test/${request.purchaseId}` };
  }

  async refund(request: RefundCall): Promise<{ providerRefundId: string }> {
    this.refunds.push(request);
    if (this.failRefunds > 0) {
      this.failRefunds--;
      throw new Error('the connection to the provider was lost');
    }
    return { providerRefundId: `re_${request.idempotencyKey}` };
  }
}

/** The buyer of the use cases' checkouts. */
export const buyer = { firstName: ' Mo ', lastName: 'Farah', email: 'mo@example.com' };
