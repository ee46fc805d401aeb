import { BillingSubjects } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, coach, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.create-product', () => {
  let billing: UseCaseHarness;
  beforeEach(async () => (billing = await startBilling()));
  afterEach(() => billing.close());

  const request = { name: '  Ten sessions ', price: { amount: 50000, currency: 'EUR' }, clientType: 'full_access', sessionPack: { sessions: 10, validForDays: 90 } };

  it('records the product and answers it from the catalogue', async () => {
    const product = await billing.when<{ id: string }>(BillingSubjects.createProduct, { actor: admin, data: request });

    expect(product).toMatchObject({ name: 'Ten sessions', price: { amount: 50000, currency: 'EUR' }, clientType: 'full_access', sessionPack: { sessions: 10, validForDays: 90 }, archived: false });
    expect(await billing.newEvents()).toMatchObject([
      { streamName: `product-${product.id}`, type: 'ProductCreated', data: { productId: product.id, accountId: 'a1', name: 'Ten sessions', createdBy: admin.id } },
    ]);
  });

  it('is forbidden to a coach without manage_products, and records nothing', async () => {
    await expect(billing.when(BillingSubjects.createProduct, { actor: coach, data: request })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await billing.newEvents()).toEqual([]);
  });
});
