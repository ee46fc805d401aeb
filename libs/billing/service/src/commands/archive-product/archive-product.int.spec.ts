import { BillingSubjects } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { admin, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.archive-product', () => {
  let billing: UseCaseHarness;
  beforeEach(async () => (billing = await startBilling()));
  afterEach(() => billing.close());

  it('archives the product, and answers it archived', async () => {
    await billing.given('product-p1', [productCreated('p1')]);

    await expect(billing.when(BillingSubjects.archiveProduct, { actor: admin, data: { productId: 'p1' } })).resolves.toMatchObject({ id: 'p1', archived: true });
    expect(await billing.newEvents()).toMatchObject([{ streamName: 'product-p1', type: 'ProductArchived', data: { productId: 'p1', accountId: 'a1', archivedBy: admin.id } }]);
  });

  it('does not find another account’s product (not_found), and records nothing', async () => {
    await billing.given('product-p2', [productCreated('p2', { accountId: 'a2' })]);

    await expect(billing.when(BillingSubjects.archiveProduct, { actor: admin, data: { productId: 'p2' } })).rejects.toMatchObject({ code: 'not_found' });
    expect(await billing.newEvents()).toEqual([]);
  });
});
