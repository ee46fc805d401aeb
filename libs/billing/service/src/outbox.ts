import { BillingEvents, PurchaseCompletedEventData } from '@clientele/billing/contracts';
import type { PurchaseEvent } from '@clientele/billing/domain';
import { IntegrationEventMapper, domainEvent, toIntegrationEvent } from '@clientele/platform/application';

/** Purchases go out without the buyer (personal data stays sealed in billing's events). */
export const billingIntegrationEvents: IntegrationEventMapper = (recorded) => {
  if (!recorded.streamName.startsWith('purchase-') || recorded.type !== 'ProductPurchased') return null;
  const { purchaseId, productId, accountId, clientType, amount, productName, sessionPack, purchasedAt } = domainEvent<PurchaseEvent>(recorded).data;
  const data: PurchaseCompletedEventData = { purchaseId, productId, accountId, clientType, amount, productName, sessionPack: sessionPack ?? null, purchasedAt };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, BillingEvents.purchaseCompleted, { ...data });
};
