import { BillingErrors, BillingSubjects, type CheckoutResult, type PurchaseView } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { CompletedImmediately } from '../../payments/payment-provider';
import { RedirectingProvider, buyer, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.checkout through a payment page (Stripe Checkout)', () => {
  let billing: UseCaseHarness;
  let provider: RedirectingProvider;
  beforeEach(async () => {
    provider = new RedirectingProvider();
    billing = await startBilling(provider);
  });
  afterEach(() => billing.close());

  it('opens the payment for the product’s price, records the checkout as started with the buyer sealed, and answers where to pay', async () => {
    await billing.given('product-p1', [productCreated('p1')]);

    const result = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } });

    expect(result).toEqual({ purchaseId: result.purchaseId, productId: 'p1', status: 'pending_payment', paymentUrl: `https://pay.example.test/${result.purchaseId}` });
    expect(provider.starts).toEqual([
      {
        purchaseId: result.purchaseId,
        accountId: 'a1',
        productId: 'p1',
        productName: 'Ten sessions',
        amount: { amount: 50000, currency: 'EUR' },
        buyerEmail: 'mo@example.com',
        successUrl: `http://clientele.test/checkout/p1?purchase=${result.purchaseId}`,
        cancelUrl: `http://clientele.test/checkout/p1?purchase=${result.purchaseId}&cancelled=1`,
      },
    ]);
    const events = await billing.newEvents();
    expect(events).toMatchObject([
      {
        streamName: `purchase-${result.purchaseId}`,
        type: 'CheckoutStarted',
        data: {
          purchaseId: result.purchaseId,
          productId: 'p1',
          accountId: 'a1',
          amount: { amount: 50000, currency: 'EUR' },
          sessionPack: { sessions: 10, validForDays: 90 },
          provider: 'stripe',
          providerSessionId: `cs_${result.purchaseId}`,
          paymentUrl: result.paymentUrl,
        },
      },
    ]);
    // Not paid yet: nothing says it is (no ProductPurchased, so nobody is enrolled).
    expect(events.map((e) => e.type)).not.toContain('ProductPurchased');
    expect(JSON.stringify(events[0].data.buyer)).not.toContain('mo@example.com');
  });

  it('answers a repeated Idempotency-Key with the same payment page, without asking the provider again', async () => {
    await billing.given('product-p1', [productCreated('p1')]);
    const first = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } });

    const again = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } });

    expect(again).toEqual(first);
    expect(provider.starts).toHaveLength(1);
    expect(await billing.newEvents()).toEqual([]);
    await expect(
      billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer: { ...buyer, email: 'other@example.com' } } }),
    ).rejects.toMatchObject({ code: 'idempotency_key_reused' });
    expect(provider.starts).toHaveLength(1);
  });

  it('says the purchase waits for its payment (get-purchase), with where to pay', async () => {
    await billing.given('product-p1', [productCreated('p1')]);
    const { purchaseId, paymentUrl } = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } });

    await expect(billing.when<PurchaseView>(BillingSubjects.getPurchase, { data: { purchaseId } })).resolves.toEqual({
      purchaseId,
      productId: 'p1',
      accountId: 'a1',
      status: 'pending_payment',
      amount: { amount: 50000, currency: 'EUR' },
      refundedTotal: { amount: 0, currency: 'EUR' },
      paymentUrl,
    });
  });

  it('asks the provider nothing for an archived or unknown product', async () => {
    await billing.given('product-p1', [productCreated('p1'), { type: 'ProductArchived', data: { productId: 'p1', accountId: 'a1', archivedAt: '2026-01-02T09:00:00.000Z', archivedBy: 'u-admin' } }]);

    await expect(billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } })).rejects.toMatchObject({ code: 'product_archived' });
    await expect(billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'nope', buyer } })).rejects.toMatchObject({ code: 'not_found' });
    expect(provider.starts).toEqual([]);
  });
});

describe('billing.cmd.checkout with a provider per account', () => {
  let billing: UseCaseHarness;
  afterEach(() => billing.close());

  it("asks the product's account for its provider, and refuses the sale where it has none (payments_not_configured), recording nothing", async () => {
    const asked: string[] = [];
    billing = await startBilling({
      forAccount: async (accountId) => {
        asked.push(accountId);
        if (accountId === 'a1') throw BillingErrors.paymentsNotConfigured();
        return new CompletedImmediately();
      },
    });
    await billing.given('product-p1', [productCreated('p1')]);
    await billing.given('product-p2', [productCreated('p2', { accountId: 'a2' })]);

    await expect(billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } })).rejects.toMatchObject({ code: 'payments_not_configured' });
    expect(await billing.newEvents()).toEqual([]);

    const paid = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p2', buyer } });
    expect(paid).toEqual({ purchaseId: paid.purchaseId, productId: 'p2', status: 'completed' });
    expect(await billing.newEvents()).toMatchObject([{ type: 'ProductPurchased', data: { accountId: 'a2' } }]);
    expect(asked).toEqual(['a1', 'a2']);
    await expect(billing.when<PurchaseView>(BillingSubjects.getPurchase, { data: { purchaseId: paid.purchaseId } })).resolves.toEqual({
      purchaseId: paid.purchaseId,
      productId: 'p2',
      accountId: 'a2',
      status: 'completed',
      amount: { amount: 50000, currency: 'EUR' },
      refundedTotal: { amount: 0, currency: 'EUR' },
    });
  });
});
