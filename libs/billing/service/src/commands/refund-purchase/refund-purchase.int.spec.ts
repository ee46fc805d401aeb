import { BillingSubjects, type CheckoutResult, type RefundPurchaseResult } from '@clientele/billing/contracts';
import { staffActor, type UseCaseHarness } from '@clientele/platform/testing';
import { RedirectingProvider, admin, buyer, coach, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.refund-purchase', () => {
  let billing: UseCaseHarness;
  let provider: RedirectingProvider;
  let purchaseId: string;

  afterEach(() => billing.close());

  describe('of a purchase paid through the provider', () => {
    beforeEach(async () => {
      provider = new RedirectingProvider();
      billing = await startBilling(provider);
      await billing.given('product-p1', [productCreated('p1')]);
      ({ purchaseId } = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } }));
      await billing.when(BillingSubjects.recordProviderEvent, {
        data: { type: 'checkout_completed', eventId: 'evt_paid', purchaseId, accountId: 'a1', providerSessionId: `cs_${purchaseId}`, paymentIntentId: 'pi_1' },
      });
    });

    const refund = (data: Record<string, unknown> = {}, envelope: Record<string, unknown> = {}) =>
      billing.when<RefundPurchaseResult>(BillingSubjects.refundPurchase, { actor: admin, data: { purchaseId, ...data }, ...envelope });

    it('records the request, then asks the provider for the refund of the payment with the key of that request', async () => {
      await expect(refund({ amount: { amount: 10000, currency: 'EUR' } })).resolves.toEqual({ purchaseId, amount: { amount: 10000, currency: 'EUR' }, status: 'requested' });

      expect(await billing.newEvents()).toMatchObject([{ type: 'RefundRequested', data: { purchaseId, amount: { amount: 10000, currency: 'EUR' }, requestedBy: admin.id } }]);
      expect(provider.refunds).toEqual([{ purchaseId, paymentIntentId: 'pi_1', amount: { amount: 10000, currency: 'EUR' }, idempotencyKey: `clientele-refund-${purchaseId}-1` }]);

      // A second refund is another request, with the next key. (What is left is the provider's to check until its webhook confirms the first.)
      await expect(refund({ amount: { amount: 20000, currency: 'EUR' } })).resolves.toMatchObject({ amount: { amount: 20000, currency: 'EUR' }, status: 'requested' });
      expect(provider.refunds[1]).toMatchObject({ amount: { amount: 20000, currency: 'EUR' }, idempotencyKey: `clientele-refund-${purchaseId}-2` });
    });

    it('asks the provider again with the same key when the same request comes back after a failure between recording and asking', async () => {
      provider.failRefunds = 1;
      await expect(refund({}, { idempotencyKey: 'r1' })).rejects.toBeDefined();
      expect(await billing.newEvents()).toMatchObject([{ type: 'RefundRequested' }]);

      await expect(refund({}, { idempotencyKey: 'r1' })).resolves.toMatchObject({ status: 'requested', amount: { amount: 50000, currency: 'EUR' } });

      expect(await billing.newEvents()).toEqual([]);
      expect(provider.refunds.map((r) => r.idempotencyKey)).toEqual([`clientele-refund-${purchaseId}-1`, `clientele-refund-${purchaseId}-1`]);
    });

    it('refunds at most what is left of the payment, once the provider confirmed earlier refunds', async () => {
      await billing.when(BillingSubjects.recordProviderEvent, {
        data: { type: 'refunded', eventId: 'evt_r1', purchaseId, accountId: 'a1', amountRefunded: { amount: 45000, currency: 'EUR' }, providerRefundId: 're_1' },
      });

      await expect(refund({ amount: { amount: 5001, currency: 'EUR' } })).rejects.toMatchObject({ code: 'refund_too_large' });
      await expect(refund({ amount: { amount: 0, currency: 'EUR' } })).rejects.toMatchObject({ code: 'validation_failed' });
      expect(await billing.newEvents()).toEqual([]);
      expect(provider.refunds).toEqual([]);
    });

    it('is forbidden to a coach without manage_products, and another account’s purchase is not found; nothing recorded, nothing asked', async () => {
      await expect(billing.when(BillingSubjects.refundPurchase, { actor: coach, data: { purchaseId } })).rejects.toMatchObject({ code: 'forbidden' });
      await expect(billing.when(BillingSubjects.refundPurchase, { actor: staffActor('admin', 'u-other', 'a2'), data: { purchaseId } })).rejects.toMatchObject({ code: 'not_found' });
      await expect(refund({ purchaseId: 'unknown' })).rejects.toMatchObject({ code: 'not_found' });
      expect(await billing.newEvents()).toEqual([]);
      expect(provider.refunds).toEqual([]);
    });

    it('lets a coach with manage_products refund', async () => {
      const manager = staffActor('coach', 'u-manager', 'a1', ['manage_products']);
      await expect(billing.when(BillingSubjects.refundPurchase, { actor: manager, data: { purchaseId } })).resolves.toMatchObject({ status: 'requested' });
    });
  });

  it('refuses to refund a purchase not paid yet', async () => {
    provider = new RedirectingProvider();
    billing = await startBilling(provider);
    await billing.given('product-p1', [productCreated('p1')]);
    ({ purchaseId } = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } }));

    await expect(billing.when(BillingSubjects.refundPurchase, { actor: admin, data: { purchaseId } })).rejects.toMatchObject({ code: 'purchase_not_paid' });
    expect(provider.refunds).toEqual([]);
  });

  it('records the refund of a purchase paid at once (no provider) at once', async () => {
    billing = await startBilling();
    await billing.given('product-p1', [productCreated('p1')]);
    ({ purchaseId } = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } }));

    await expect(billing.when(BillingSubjects.refundPurchase, { actor: admin, data: { purchaseId, amount: { amount: 20000, currency: 'EUR' } } })).resolves.toMatchObject({ status: 'refunded' });

    expect(await billing.newEvents()).toMatchObject([
      { type: 'RefundRequested', data: { amount: { amount: 20000, currency: 'EUR' } } },
      { type: 'PurchaseRefunded', data: { purchaseId, accountId: 'a1', amount: { amount: 20000, currency: 'EUR' }, refundedTotal: { amount: 20000, currency: 'EUR' }, providerEventId: null } },
    ]);
    await expect(billing.when(BillingSubjects.getPurchase, { data: { purchaseId } })).resolves.toMatchObject({ status: 'partially_refunded', refundedTotal: { amount: 20000, currency: 'EUR' } });
  });
});
