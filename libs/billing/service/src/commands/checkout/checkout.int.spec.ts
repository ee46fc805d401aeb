import { BillingSubjects } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { productArchived, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.checkout', () => {
  let billing: UseCaseHarness;
  beforeEach(async () => (billing = await startBilling()));
  afterEach(() => billing.close());

  const buyer = { firstName: ' Mo ', lastName: 'Farah', email: 'mo@example.com' };

  it('records the purchase with the product’s terms and the buyer sealed, and answers it completed', async () => {
    await billing.given('product-p1', [productCreated('p1')]);

    const result = await billing.when<{ purchaseId: string }>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } });

    expect(result).toMatchObject({ productId: 'p1', status: 'completed' });
    const [purchased] = await billing.newEvents();
    expect(purchased).toMatchObject({
      streamName: `purchase-${result.purchaseId}`,
      type: 'ProductPurchased',
      data: { purchaseId: result.purchaseId, productId: 'p1', accountId: 'a1', productName: 'Ten sessions', clientType: 'full_access', amount: { amount: 50000, currency: 'EUR' }, sessionPack: { sessions: 10, validForDays: 90 } },
    });
    // The buyer is personal data: sealed in the store.
    expect(JSON.stringify(purchased.data.buyer)).not.toContain('mo@example.com');
  });

  it('refuses an archived product (product_archived), and records nothing', async () => {
    await billing.given('product-p1', [productCreated('p1'), productArchived('p1')]);

    await expect(billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } })).rejects.toMatchObject({ code: 'product_archived' });
    expect(await billing.newEvents()).toEqual([]);
  });

  it('needs an Idempotency-Key (idempotency_key_required)', async () => {
    await billing.given('product-p1', [productCreated('p1')]);

    await expect(billing.when(BillingSubjects.checkout, { data: { productId: 'p1', buyer } })).rejects.toMatchObject({ code: 'idempotency_key_required' });
  });
});
