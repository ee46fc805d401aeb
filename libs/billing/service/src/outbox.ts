import { BillingEvents, PurchaseCompletedEventData, PurchaseRefundedEventData } from '@clientele/billing/contracts';
import type { PurchaseEvent } from '@clientele/billing/domain';
import { IntegrationEventMapper, domainEvent, toIntegrationEvent } from '@clientele/platform/application';

/**
 * Purchases go out without the buyer (personal data stays sealed in billing's events): a paid
 * purchase (the clients service enrols its buyer) and each refund (Finances). A started checkout,
 * a payment not made and a refund asked (not yet made) are billing's own business.
 */
export const billingIntegrationEvents: IntegrationEventMapper = (recorded) => {
  if (!recorded.streamName.startsWith('purchase-')) return null;
  const event = domainEvent<PurchaseEvent>(recorded);
  switch (event.type) {
    case 'ProductPurchased': {
      const { purchaseId, productId, accountId, clientType, amount, productName, sessionPack, purchasedAt } = event.data;
      const data: PurchaseCompletedEventData = { purchaseId, productId, accountId, clientType, amount, productName, sessionPack: sessionPack ?? null, purchasedAt };
      return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, BillingEvents.purchaseCompleted, { ...data });
    }
    case 'PurchaseRefunded': {
      const { purchaseId, accountId, amount, refundedTotal, refundedAt } = event.data;
      const data: PurchaseRefundedEventData = { purchaseId, accountId, amount, refundedTotal, refundedAt };
      return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, BillingEvents.purchaseRefunded, { ...data });
    }
    default:
      return null;
  }
};
