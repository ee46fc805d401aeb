import { fold } from '@clientele/platform/core';
import { deciderSpec } from '@clientele/platform/testing';
import { ProductEvent, productDecider } from './product.decider';
import { PurchaseEvent, purchaseDecider } from './purchase.decider';

const now = '2026-11-21T10:00:00.000Z';
const created: ProductEvent = {
  type: 'ProductCreated',
  data: { productId: 'p1', accountId: 'a1', name: '12 weeks', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access_one_way', sessionPack: null, createdAt: now, createdBy: 'u1' },
};
const archived: ProductEvent = { type: 'ProductArchived', data: { productId: 'p1', accountId: 'a1', archivedAt: now, archivedBy: 'u1' } };

describe('product', () => {
  const spec = deciderSpec(productDecider);

  it('is created with full_access_one_way by default, and once', () => {
    spec.given([]).when({ type: 'CreateProduct', productId: 'p1', accountId: 'a1', name: ' 12 weeks ', price: { amount: 4900, currency: 'EUR' }, metadata: { actorId: 'u1', now } }).then([created]);
    spec.given([created]).when({ type: 'CreateProduct', productId: 'p1', accountId: 'a1', name: 'x', price: { amount: 1, currency: 'EUR' }, metadata: { actorId: 'u1', now } }).thenNothingHappens();
  });

  it('refuses a bad price, currency, name or client type', () => {
    const base = { type: 'CreateProduct' as const, productId: 'p1', accountId: 'a1', name: 'x', metadata: { actorId: 'u1', now } };
    spec.given([]).when({ ...base, price: { amount: 49.5, currency: 'EUR' } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, price: { amount: 100, currency: 'euro' } }).thenThrows('validation_failed');
    // Three capital letters, but no money: the placeholder, testing and gold codes are refused too.
    for (const currency of ['XXX', 'XTS', 'XAU', 'ABC']) spec.given([]).when({ ...base, price: { amount: 100, currency } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, name: '', price: { amount: 100, currency: 'EUR' } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, price: { amount: 100, currency: 'EUR' }, clientType: 'gold' as never }).thenThrows('validation_failed');
  });

  it('may be a session pack: N sessions, valid some days or without expiry; validated', () => {
    const base = { type: 'CreateProduct' as const, productId: 'p1', accountId: 'a1', name: '10 sessions', price: { amount: 45000, currency: 'EUR' }, metadata: { actorId: 'u1', now } };
    const pack = (sessionPack: { sessions: number; validForDays: number | null }): ProductEvent => ({
      type: 'ProductCreated',
      data: { productId: 'p1', accountId: 'a1', name: '10 sessions', price: { amount: 45000, currency: 'EUR' }, clientType: 'full_access_one_way', sessionPack, createdAt: now, createdBy: 'u1' },
    });
    spec.given([]).when({ ...base, sessionPack: { sessions: 10, validForDays: 90 } }).then([pack({ sessions: 10, validForDays: 90 })]);
    spec.given([]).when({ ...base, sessionPack: { sessions: 10, validForDays: null } }).then([pack({ sessions: 10, validForDays: null })]);
    spec.given([]).when({ ...base, sessionPack: { sessions: 0, validForDays: 90 } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, sessionPack: { sessions: 501, validForDays: null } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, sessionPack: { sessions: 5, validForDays: 0 } }).thenThrows('validation_failed');
    spec.given([]).when({ ...base, sessionPack: { sessions: 2.5, validForDays: null } }).thenThrows('validation_failed');
    // A pack can be added to a product, or taken off it.
    spec.given([created]).when({ type: 'UpdateProduct', changes: { sessionPack: { sessions: 5, validForDays: null } }, metadata: { actorId: 'u1', now } }).then([
      { type: 'ProductUpdated', data: { productId: 'p1', accountId: 'a1', changes: { sessionPack: { sessions: 5, validForDays: null } }, updatedAt: now, updatedBy: 'u1' } },
    ]);
    spec.given([pack({ sessions: 10, validForDays: 90 })]).when({ type: 'UpdateProduct', changes: { sessionPack: null }, metadata: { actorId: 'u1', now } }).then([
      { type: 'ProductUpdated', data: { productId: 'p1', accountId: 'a1', changes: { sessionPack: null }, updatedAt: now, updatedBy: 'u1' } },
    ]);
  });

  it('records only real changes, and none once archived', () => {
    spec.given([created]).when({ type: 'UpdateProduct', changes: { name: '12 weeks', clientType: 'full_access' }, metadata: { actorId: 'u1', now } }).then([
      { type: 'ProductUpdated', data: { productId: 'p1', accountId: 'a1', changes: { clientType: 'full_access' }, updatedAt: now, updatedBy: 'u1' } },
    ]);
    spec.given([created, archived]).when({ type: 'UpdateProduct', changes: { name: 'new' }, metadata: { actorId: 'u1', now } }).thenThrows('product_archived');
    spec.given([created, archived]).when({ type: 'ArchiveProduct', metadata: { actorId: 'u1', now } }).thenNothingHappens();
    spec.given([]).when({ type: 'ArchiveProduct', metadata: { actorId: 'u1', now } }).thenThrows('not_found');
  });
});

describe('purchase', () => {
  const spec = deciderSpec(purchaseDecider);
  const buyer = { firstName: 'Ada', lastName: 'L', email: 'ada@example.com', phone: null };
  const product = fold(productDecider, [created]);
  const purchased: PurchaseEvent = {
    type: 'ProductPurchased',
    data: { purchaseId: 'x1', productId: 'p1', accountId: 'a1', productName: '12 weeks', clientType: 'full_access_one_way', amount: { amount: 4900, currency: 'EUR' }, sessionPack: null, buyer, requestHash: 'h1', purchasedAt: now },
  };
  const checkout = (requestHash = 'h1', p = product) => ({ type: 'Checkout' as const, purchaseId: 'x1', product: p, buyer, requestHash, metadata: { now } });

  it("records the purchase with the buyer, the amount and the product's client type", () => {
    spec.given([]).when(checkout()).then([purchased]);
  });

  it("records the product's session pack as sold", () => {
    const packProduct = fold(productDecider, [{ ...created, data: { ...created.data, sessionPack: { sessions: 10, validForDays: 90 } } } as ProductEvent]);
    spec.given([]).when(checkout('h1', packProduct)).then([{ ...purchased, data: { ...purchased.data, sessionPack: { sessions: 10, validForDays: 90 } } }]);
  });

  it('answers the same key and request with nothing more, and refuses the same key with another request', () => {
    spec.given([purchased]).when(checkout('h1')).thenNothingHappens();
    spec.given([purchased]).when(checkout('h2')).thenThrows('idempotency_key_reused');
  });

  it('refuses an archived or unknown product', () => {
    spec.given([]).when(checkout('h1', fold(productDecider, [created, archived]))).thenThrows('product_archived');
    spec.given([]).when(checkout('h1', productDecider.initialState())).thenThrows('not_found');
  });
});
