import { BillingEvents, type BillingIntegrationEvents } from '@clientele/billing/contracts';
import { handleAndWait, reactionMetadata, reactionsTo, waitForProjections, type Reaction } from '@clientele/platform/application';
import { durableName } from '@clientele/platform/bus';
import { PURCHASES, PurchaseDoc } from '../../read-models/documents';
import type { Scheduling } from '../../scheduling';

/**
 * Money went back on a purchase (durable consumer `scheduling--billing`): the client's Finances
 * show it, on the product's payment or on the session pack's bundle. The event says the purchase's
 * cumulative refunded total, so redeliveries and any order agree (a lower total than the one
 * recorded changes nothing).
 *
 * A refund may come before the purchase reached a client's profile (Stripe's charge.refunded
 * before checkout.session.completed, or a buyer still on the waiting list). Then no client has it
 * here yet, and nothing is recorded: when the purchase is recorded, the purchase reaction asks
 * billing what went back (bundles-and-sessions-when-client-changes). One of the two always sees
 * the other: this looks after the read model caught up with every event appended so far, and the
 * purchase reaction asks billing after its payment is projected.
 */
export function refundsWhenPurchaseRefunded(scheduling: Scheduling): Reaction {
  return reactionsTo<BillingIntegrationEvents>()(
    { durableName: durableName('scheduling', 'billing'), sourceService: 'billing', subjects: [BillingEvents.purchaseRefunded] },
    async (event) => {
      const { purchaseId, accountId, refundedTotal, refundedAt } = event.data;
      await waitForProjections(await scheduling.deps.events.headPosition(), scheduling.views);
      const purchase = await scheduling.deps.documents.collection<PurchaseDoc>(PURCHASES).get(purchaseId);
      if (!purchase || purchase.accountId !== accountId) return;
      const metadata = reactionMetadata(event, { actor: { id: 'billing', role: 'system' }, accountId });
      await handleAndWait(scheduling.recordPurchaseRefund({ purchaseId, clientId: purchase.clientId, accountId }, { refundedTotal, refundedAt }, metadata), scheduling.views);
    },
  );
}
