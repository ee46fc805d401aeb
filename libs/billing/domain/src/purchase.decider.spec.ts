import type { ProviderEvent } from '@clientele/billing/contracts';
import { fold } from '@clientele/platform/core';
import { deciderSpec } from '@clientele/platform/testing';
import { ProductEvent, productDecider } from './product.decider';
import { PaymentOpening, PurchaseCommand, PurchaseEvent, purchaseDecider, purchaseStatus } from './purchase.decider';

const now = '2026-11-21T10:00:00.000Z';
const later = '2026-11-21T10:05:00.000Z';
const buyer = { firstName: 'Ada', lastName: 'L', email: 'ada@example.com', phone: null };
const product = fold(productDecider, [
  {
    type: 'ProductCreated',
    data: { productId: 'p1', accountId: 'a1', name: '12 weeks', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access_one_way', sessionPack: null, createdAt: now, createdBy: 'u1' },
  } as ProductEvent,
]);
const terms = {
  purchaseId: 'x1',
  productId: 'p1',
  accountId: 'a1',
  productName: '12 weeks',
  clientType: 'full_access_one_way' as const,
  amount: { amount: 4900, currency: 'EUR' },
  sessionPack: null,
  buyer,
  requestHash: 'h1',
};
const eur = (amount: number) => ({ amount, currency: 'EUR' });

const started: PurchaseEvent = {
  type: 'CheckoutStarted',
  data: { ...terms, provider: 'stripe', providerSessionId: 'cs_1', paymentUrl: 'https://checkout.stripe.test/cs_1', startedAt: now },
};
const paidThroughStripe: PurchaseEvent = {
  type: 'ProductPurchased',
  data: { ...terms, purchasedAt: later, provider: 'stripe', providerEventId: 'evt_paid', paymentIntentId: 'pi_1' },
};
const paidAtOnce: PurchaseEvent = { type: 'ProductPurchased', data: { ...terms, purchasedAt: now } };
const refunded = (amount: number, total: number, providerEventId: string | null = 'evt_refund', providerRefundId: string | null = 're_1'): PurchaseEvent => ({
  type: 'PurchaseRefunded',
  data: { purchaseId: 'x1', accountId: 'a1', amount: eur(amount), refundedTotal: eur(total), providerEventId, ...(providerEventId ? { providerRefundId } : {}), refundedAt: later },
});

const provider = (event: Exclude<ProviderEvent, { type: 'ignored' }>): PurchaseCommand => ({ type: 'RecordProviderEvent', event, metadata: { now: later } });
const completed = (accountId = 'a1') => provider({ type: 'checkout_completed', eventId: 'evt_paid', purchaseId: 'x1', accountId, providerSessionId: 'cs_1', paymentIntentId: 'pi_1' });
const expired = provider({ type: 'checkout_not_completed', eventId: 'evt_expired', purchaseId: 'x1', accountId: 'a1', reason: 'expired' });
const chargeRefunded = (cumulative: number, eventId = 'evt_refund') =>
  provider({ type: 'refunded', eventId, purchaseId: 'x1', accountId: 'a1', amountRefunded: eur(cumulative), providerRefundId: 're_1' });
const refund = (amount?: { amount: number; currency: string }, accountId = 'a1'): PurchaseCommand => ({ type: 'RequestRefund', accountId, amount, metadata: { actorId: 'u1', now: later } });
const refundRequested = (amount: number): PurchaseEvent => ({ type: 'RefundRequested', data: { purchaseId: 'x1', amount: eur(amount), requestedBy: 'u1', at: later } });

describe('purchase through a payment provider', () => {
  const spec = deciderSpec(purchaseDecider);
  const checkout = (opening?: PaymentOpening, requestHash = 'h1'): PurchaseCommand => ({
    type: 'Checkout',
    purchaseId: 'x1',
    product,
    buyer,
    requestHash,
    opening,
    metadata: { now },
  });
  const redirect = { kind: 'redirect' as const, providerSessionId: 'cs_1', paymentUrl: 'https://checkout.stripe.test/cs_1' };

  it('paid at once records the purchase, as before the providers', () => {
    spec.given([]).when(checkout({ kind: 'paid' })).then([paidAtOnce]);
  });

  it('sent to pay at the provider records the checkout as started, with where the buyer pays', () => {
    spec.given([]).when(checkout(redirect)).then([started]);
  });

  it('answers the same key and request of a started checkout with nothing more, and refuses another request', () => {
    spec.given([started]).when(checkout(redirect)).thenNothingHappens();
    spec.given([started]).when(checkout(redirect, 'h2')).thenThrows('idempotency_key_reused');
  });

  it('records the purchase with its terms once the provider says it is paid, and only once', () => {
    spec.given([started]).when(completed()).then([paidThroughStripe]);
    spec.given([started, paidThroughStripe]).when(completed()).thenNothingHappens();
  });

  it('records an expired or failed payment as not completed, and nothing after the payment or twice', () => {
    spec.given([started]).when(expired).then([{ type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'expired', providerEventId: 'evt_expired', at: later } }]);
    const failed = provider({ type: 'checkout_not_completed', eventId: 'evt_failed', purchaseId: 'x1', accountId: 'a1', reason: 'payment_failed' });
    spec.given([started]).when(failed).then([{ type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'payment_failed', providerEventId: 'evt_failed', at: later } }]);
    spec.given([started, paidThroughStripe]).when(expired).thenNothingHappens();
    const notCompleted: PurchaseEvent = { type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'expired', providerEventId: 'evt_expired', at: later } };
    spec.given([started, notCompleted]).when(expired).thenNothingHappens();
  });

  it('still records a payment the provider took after a failed attempt (the buyer tried another card)', () => {
    const failed: PurchaseEvent = { type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'payment_failed', providerEventId: 'evt_failed', at: now } };
    spec.given([started, failed]).when(completed()).then([paidThroughStripe]);
  });

  it("refuses another account's purchase, and an unknown one, as not found", () => {
    spec.given([started]).when(completed('a2')).thenThrows('not_found');
    spec.given([]).when(completed()).thenThrows('not_found');
    spec.given([paidAtOnce]).when(refund(undefined, 'a2')).thenThrows('not_found');
  });

  it('records the increase of what was refunded, once per increase', () => {
    spec.given([started, paidThroughStripe]).when(chargeRefunded(1000)).then([refunded(1000, 1000)]);
    spec.given([started, paidThroughStripe, refunded(1000, 1000)]).when(chargeRefunded(4900, 'evt_refund_2')).then([refunded(3900, 4900, 'evt_refund_2')]);
    // The same total again (a redelivery under another id, or an older event late): nothing.
    spec.given([started, paidThroughStripe, refunded(1000, 1000)]).when(chargeRefunded(1000, 'evt_other')).thenNothingHappens();
    spec.given([started, paidThroughStripe, refunded(3000, 3000)]).when(chargeRefunded(1000, 'evt_older')).thenNothingHappens();
  });

  it('keeps a refund that arrives before the payment, and still records the payment: the same state as in order', () => {
    spec.given([started]).when(chargeRefunded(4900)).then([refunded(4900, 4900)]);
    spec.given([started, refunded(4900, 4900)]).when(completed()).then([paidThroughStripe]);
    const inOrder = fold(purchaseDecider, [started, paidThroughStripe, refunded(4900, 4900)]);
    const outOfOrder = fold(purchaseDecider, [started, refunded(4900, 4900), paidThroughStripe]);
    expect(outOfOrder).toEqual(inOrder);
    expect(purchaseStatus(outOfOrder as Exclude<typeof outOfOrder, { status: 'none' }>)).toBe('refunded');
  });

  it('says where the purchase stands', () => {
    const status = (events: PurchaseEvent[]) => purchaseStatus(fold(purchaseDecider, events) as never);
    expect(status([started])).toBe('pending_payment');
    expect(status([started, paidThroughStripe])).toBe('completed');
    expect(status([started, { type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'expired', providerEventId: 'e', at: now } }])).toBe('not_completed');
    expect(status([started, paidThroughStripe, refunded(1000, 1000)])).toBe('partially_refunded');
    expect(status([started, paidThroughStripe, refunded(4900, 4900)])).toBe('refunded');
  });
});

describe('refund from Clientele', () => {
  const spec = deciderSpec(purchaseDecider);

  it('asks the provider for a refund of a purchase it took: the provider confirms it later', () => {
    spec.given([started, paidThroughStripe]).when(refund(eur(1000))).then([refundRequested(1000)]);
  });

  it('refunds what is left of the payment by default', () => {
    spec.given([started, paidThroughStripe]).when(refund()).then([refundRequested(4900)]);
    spec.given([started, paidThroughStripe, refunded(1000, 1000)]).when(refund()).then([refundRequested(3900)]);
  });

  it('records a refund of a purchase paid without a provider at once', () => {
    spec.given([paidAtOnce]).when(refund(eur(900))).then([refundRequested(900), refunded(900, 900, null)]);
    spec.given([paidAtOnce, refundRequested(900), refunded(900, 900, null)]).when(refund()).then([refundRequested(4000), refunded(4000, 4900, null)]);
  });

  it('refunds only a paid purchase', () => {
    spec.given([started]).when(refund()).thenThrows('purchase_not_paid');
    spec.given([started, { type: 'PurchaseNotCompleted', data: { purchaseId: 'x1', reason: 'expired', providerEventId: 'e', at: now } }]).when(refund()).thenThrows('purchase_not_paid');
    spec.given([]).when(refund()).thenThrows('not_found');
  });

  it('refunds a positive amount in the currency of the payment, at most what is left of it', () => {
    spec.given([started, paidThroughStripe]).when(refund(eur(0))).thenThrows('validation_failed');
    spec.given([started, paidThroughStripe]).when(refund(eur(-5))).thenThrows('validation_failed');
    spec.given([started, paidThroughStripe]).when(refund(eur(10.5))).thenThrows('validation_failed');
    spec.given([started, paidThroughStripe]).when(refund({ amount: 100, currency: 'USD' })).thenThrows('validation_failed');
    spec.given([started, paidThroughStripe]).when(refund(eur(4901))).thenThrows('refund_too_large', /4900/);
    spec.given([started, paidThroughStripe, refunded(1000, 1000)]).when(refund(eur(3901))).thenThrows('refund_too_large', /3900/);
    spec.given([started, paidThroughStripe, refunded(4900, 4900)]).when(refund()).thenThrows('purchase_refunded');
  });

  it('cannot refund through the provider a payment it gave no payment intent for', () => {
    const withoutIntent: PurchaseEvent = { type: 'ProductPurchased', data: { ...terms, purchasedAt: later, provider: 'stripe', providerEventId: 'evt_paid', paymentIntentId: null } };
    spec.given([started, withoutIntent]).when(refund()).thenThrows('refund_unavailable');
  });

  it('counts the refunds asked (the provider idempotency key numbers them)', () => {
    const state = fold(purchaseDecider, [started, paidThroughStripe, refundRequested(1000), refundRequested(500)]);
    expect(state).toMatchObject({ refundRequests: 2 });
  });
});
