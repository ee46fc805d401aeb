import { BillingSubjects } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, productArchived, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.update-product', () => {
  let billing: UseCaseHarness;
  beforeEach(async () => (billing = await startBilling()));
  afterEach(() => billing.close());

  it('records what changed, and answers the product as the catalogue shows it', async () => {
    await billing.given('product-p1', [productCreated('p1')]);

    const product = await billing.when(BillingSubjects.updateProduct, { actor: admin, data: { productId: 'p1', changes: { name: 'Twelve sessions', clientType: 'full_access' } } });

    expect(product).toMatchObject({ id: 'p1', name: 'Twelve sessions', clientType: 'full_access' });
    expect(await billing.newEvents()).toMatchObject([{ streamName: 'product-p1', type: 'ProductUpdated', data: { productId: 'p1', changes: { name: 'Twelve sessions' } } }]);
    // Only what differs is recorded.
    expect((await billing.newEvents())[0].data.changes).toEqual({ name: 'Twelve sessions' });
  });

  it('refuses a change to an archived product (product_archived), and records nothing', async () => {
    await billing.given('product-p1', [productCreated('p1'), productArchived('p1')]);

    await expect(billing.when(BillingSubjects.updateProduct, { actor: admin, data: { productId: 'p1', changes: { name: 'Twelve sessions' } } })).rejects.toMatchObject({
      code: 'product_archived',
    });
    expect(await billing.newEvents()).toEqual([]);
  });
});
