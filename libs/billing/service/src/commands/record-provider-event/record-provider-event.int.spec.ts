import { BillingSubjects, type CheckoutResult, type ProviderEvent, type PurchaseView, type RecordProviderEventResult } from '@clientele/billing/contracts';
import type { UseCaseHarness } from '@clientele/platform/testing';
import { RedirectingProvider, buyer, productCreated, startBilling } from '../../testing/billing-use-cases';

describe('billing.cmd.record-provider-event', () => {
  let billing: UseCaseHarness;
  let purchaseId: string;
  beforeEach(async () => {
    billing = await startBilling(new RedirectingProvider());
    await billing.given('product-p1', [productCreated('p1')]);
    ({ purchaseId } = await billing.when<CheckoutResult>(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } }));
  });
  afterEach(() => billing.close());

  const record = (event: ProviderEvent) => billing.when<RecordProviderEventResult>(BillingSubjects.recordProviderEvent, { data: event });
  const completed = (eventId = 'evt_paid', accountId = 'a1'): ProviderEvent => ({ type: 'checkout_completed', eventId, purchaseId, accountId, providerSessionId: `cs_${purchaseId}`, paymentIntentId: 'pi_1' });
  const refunded = (cumulative: number, eventId = 'evt_refund'): ProviderEvent => ({
    type: 'refunded',
    eventId,
    purchaseId,
    accountId: 'a1',
    amountRefunded: { amount: cumulative, currency: 'EUR' },
    providerRefundId: 're_1',
  });
  const status = () => billing.when<PurchaseView>(BillingSubjects.getPurchase, { data: { purchaseId } });
  const allEvents = async () => (await billing.adapters.events.readStream(`purchase-${purchaseId}`)).map((e) => e.type);

  it('records the purchase with its terms and the buyer sealed once the provider says it is paid', async () => {
    await expect(record(completed())).resolves.toEqual({ eventId: 'evt_paid', recorded: true });

    const events = await billing.newEvents();
    expect(events).toMatchObject([
      {
        streamName: `purchase-${purchaseId}`,
        type: 'ProductPurchased',
        data: { purchaseId, productId: 'p1', accountId: 'a1', productName: 'Ten sessions', clientType: 'full_access', amount: { amount: 50000, currency: 'EUR' }, sessionPack: { sessions: 10, validForDays: 90 }, provider: 'stripe', providerEventId: 'evt_paid', paymentIntentId: 'pi_1' },
      },
    ]);
    expect(JSON.stringify(events[0].data.buyer)).not.toContain('mo@example.com');
    // The buyer is still the one who checked out (billing.query.get-buyer opens it).
    await expect(billing.when(BillingSubjects.getBuyer, { data: { purchaseId } })).resolves.toMatchObject({ firstName: 'Mo', email: 'mo@example.com' });
    await expect(status()).resolves.toMatchObject({ status: 'completed' });
  });

  it('records a redelivered event (the same provider event id) once', async () => {
    await record(completed());

    await expect(record(completed())).resolves.toEqual({ eventId: 'evt_paid', recorded: false });
    expect(await billing.newEvents()).toEqual([]);
    // Another event saying the same (async_payment_succeeded after completed): the purchase already reflects it.
    await expect(record(completed('evt_async'))).resolves.toEqual({ eventId: 'evt_async', recorded: false });
    expect(await allEvents()).toEqual(['CheckoutStarted', 'ProductPurchased']);
  });

  it('keeps a refund that arrives before the payment, and still records the payment once (the buyer is enrolled once)', async () => {
    await expect(record(refunded(50000))).resolves.toMatchObject({ recorded: true });
    await expect(record(completed())).resolves.toMatchObject({ recorded: true });
    await record(completed());
    await record(refunded(50000));

    expect(await allEvents()).toEqual(['CheckoutStarted', 'PurchaseRefunded', 'ProductPurchased']);
    await expect(status()).resolves.toMatchObject({ status: 'refunded', refundedTotal: { amount: 50000, currency: 'EUR' } });
  });

  it('records each increase of the refunded total', async () => {
    await record(completed());
    await record(refunded(10000, 'evt_r1'));
    await expect(status()).resolves.toMatchObject({ status: 'partially_refunded', refundedTotal: { amount: 10000, currency: 'EUR' } });
    await record(refunded(50000, 'evt_r2'));

    expect(await billing.newEvents()).toMatchObject([{ type: 'PurchaseRefunded', data: { amount: { amount: 40000, currency: 'EUR' }, refundedTotal: { amount: 50000, currency: 'EUR' }, providerEventId: 'evt_r2' } }]);
    await expect(status()).resolves.toMatchObject({ status: 'refunded' });
  });

  it('records an expired checkout as not completed: nothing is purchased, and a late expiry after the payment records nothing', async () => {
    const expired: ProviderEvent = { type: 'checkout_not_completed', eventId: 'evt_expired', purchaseId, accountId: 'a1', reason: 'expired' };
    await expect(record(expired)).resolves.toMatchObject({ recorded: true });
    expect(await billing.newEvents()).toMatchObject([{ type: 'PurchaseNotCompleted', data: { purchaseId, reason: 'expired', providerEventId: 'evt_expired' } }]);
    await expect(status()).resolves.toMatchObject({ status: 'not_completed' });
    // The same Idempotency-Key now answers that the purchase was not completed.
    await expect(billing.when(BillingSubjects.checkout, { idempotencyKey: 'k1', data: { productId: 'p1', buyer } })).resolves.toMatchObject({ purchaseId, status: 'not_completed' });
  });

  it('records nothing when the session expires after the payment', async () => {
    await record(completed());
    await expect(record({ type: 'checkout_not_completed', eventId: 'evt_expired', purchaseId, accountId: 'a1', reason: 'expired' })).resolves.toMatchObject({ recorded: false });
    expect(await allEvents()).toEqual(['CheckoutStarted', 'ProductPurchased']);
  });

  it("refuses an event of another account's purchase, or of an unknown one, as not found, and records nothing", async () => {
    await expect(record(completed('evt_paid', 'a2'))).rejects.toMatchObject({ code: 'not_found' });
    await expect(record({ ...completed(), purchaseId: 'unknown' } as ProviderEvent)).rejects.toMatchObject({ code: 'not_found' });
    expect(await billing.newEvents()).toEqual([]);
    // The refused event id is not spent: the right account's event with it still records.
    await expect(record(completed('evt_paid'))).resolves.toMatchObject({ recorded: true });
  });

  it('answers an event of no interest without recording anything', async () => {
    await expect(record({ type: 'ignored', eventId: 'evt_other' })).resolves.toEqual({ eventId: 'evt_other', recorded: false });
    expect(await billing.newEvents()).toEqual([]);
  });
});
