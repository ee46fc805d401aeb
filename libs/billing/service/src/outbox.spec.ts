import { BillingEvents } from '@clientele/billing/contracts';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { billingIntegrationEvents } from './outbox';

const recorded = (type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `id-${type}`,
  type,
  streamName: 'purchase-x1',
  revision: 0,
  position: 1n as never,
  data,
  metadata: { occurredAt: '2026-11-21T10:00:00.000Z', correlationId: 'c1' },
  recordedAt: new Date('2026-11-21T10:00:00.000Z'),
});
const eur = (amount: number) => ({ amount, currency: 'EUR' });

describe('billing outbox', () => {
  it('publishes a paid purchase without its buyer, as before the providers (the buyer is enrolled from it)', () => {
    const event = billingIntegrationEvents(
      recorded('ProductPurchased', {
        purchaseId: 'x1', productId: 'p1', accountId: 'a1', productName: '12 weeks', clientType: 'full_access', amount: eur(4900), sessionPack: null,
        buyer: 'sealed', requestHash: 'h', purchasedAt: '2026-11-21T10:00:00.000Z', provider: 'stripe', providerEventId: 'evt', paymentIntentId: 'pi',
      }),
    );
    expect(event).toMatchObject({
      subject: BillingEvents.purchaseCompleted,
      data: { purchaseId: 'x1', productId: 'p1', accountId: 'a1', productName: '12 weeks', clientType: 'full_access', amount: eur(4900), sessionPack: null, purchasedAt: '2026-11-21T10:00:00.000Z' },
      metadata: { accountId: 'a1' },
    });
    expect(Object.keys(event!.data).sort()).toEqual(['accountId', 'amount', 'clientType', 'productId', 'productName', 'purchaseId', 'purchasedAt', 'sessionPack']);
  });

  it('publishes each refund with what went back and the total so far (Finances)', () => {
    const event = billingIntegrationEvents(
      recorded('PurchaseRefunded', { purchaseId: 'x1', accountId: 'a1', amount: eur(900), refundedTotal: eur(1900), providerEventId: 'evt_r', providerRefundId: 're_1', refundedAt: '2026-11-22T10:00:00.000Z' }),
    );
    expect(event).toMatchObject({
      id: 'id-PurchaseRefunded',
      subject: BillingEvents.purchaseRefunded,
      data: { purchaseId: 'x1', accountId: 'a1', amount: eur(900), refundedTotal: eur(1900), refundedAt: '2026-11-22T10:00:00.000Z' },
      metadata: { accountId: 'a1' },
    });
  });

  it('publishes nothing of a started checkout, a payment not made or a refund only asked', () => {
    expect(billingIntegrationEvents(recorded('CheckoutStarted', { purchaseId: 'x1', accountId: 'a1', buyer: 'sealed' }))).toBeNull();
    expect(billingIntegrationEvents(recorded('PurchaseNotCompleted', { purchaseId: 'x1', reason: 'expired', providerEventId: 'e', at: 'now' }))).toBeNull();
    expect(billingIntegrationEvents(recorded('RefundRequested', { purchaseId: 'x1', amount: eur(1), requestedBy: 'u', at: 'now' }))).toBeNull();
  });
});
