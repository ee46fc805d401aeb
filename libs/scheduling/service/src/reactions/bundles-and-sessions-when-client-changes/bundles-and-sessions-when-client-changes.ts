import { ClientsEvents, type ClientsIntegrationEvents } from '@clientele/clients/contracts';
import { deterministicId, handleAndWait, latestPosition, reactionMetadata, reactionsTo, waitForProjections, type Reaction } from '@clientele/platform/application';
import { durableName, type IntegrationEventOf } from '@clientele/platform/bus';
import { AppError } from '@clientele/platform/core';
import type { EventMetadata } from '@clientele/platform/event-store';
import { SchedulingErrors } from '@clientele/scheduling/domain';
import { SESSIONS, SessionDoc } from '../../read-models/documents';
import type { Scheduling } from '../../scheduling';

const DAY_MS = 24 * 60 * 60 * 1000;

type ClientEvent<S extends keyof ClientsIntegrationEvents> = IntegrationEventOf<ClientsIntegrationEvents, S>;

const onClients = reactionsTo<ClientsIntegrationEvents>();

/** The bundle a purchase of a session pack gives: one per purchase, whatever redelivers it. */
export const bundleIdOfPurchase = (purchaseId: string) => deterministicId('bundle', purchaseId);

/**
 * What scheduling does with the roster's events (durable consumer `scheduling--clients`):
 * - a purchase recorded on a client's profile, of a product that is a session pack, gives the
 *   client a bundle of that many sessions, paid at checkout (its price is the amount paid), valid
 *   from the purchase for the pack's days; any other product is a payment in the client's
 *   Finances. Then billing is asked what went back on the purchase already: a refund may have come
 *   before the purchase reached the profile (see refunds-when-purchase-refunded);
 * - a deleted client's sessions that have not started are cancelled (their coaches' slots free up);
 *   past sessions and payments stay, they are the business's records; where the sessions took
 *   place is the client's personal data, erased with the client's key.
 * Both are idempotent: the bundle's id and every command id derive from the event's content.
 */
export function bundlesAndSessionsWhenClientChanges(scheduling: Scheduling): Reaction {
  return onClients(
    { durableName: durableName('scheduling', 'clients'), sourceService: 'clients', subjects: [ClientsEvents.purchaseRecorded, ClientsEvents.deleted] },
    (event) => {
      switch (event.subject) {
        case ClientsEvents.purchaseRecorded:
          return paymentWhenPurchaseRecorded(scheduling, event);
        case ClientsEvents.deleted:
          return cancelSessionsWhenClientDeleted(scheduling, event);
      }
    },
  );
}

async function paymentWhenPurchaseRecorded(scheduling: Scheduling, event: ClientEvent<typeof ClientsEvents.purchaseRecorded>): Promise<void> {
  const { clientId, accountId, purchaseId, productId, productName, amount, purchasedAt, sessionPack } = event.data;
  const metadata = metadataOf(event, accountId);
  if (sessionPack) {
    await bundleWhenPackPurchased(scheduling, event);
  } else {
    await handleAndWait(
      scheduling.programs(
        clientId,
        { type: 'RecordProductPayment', purchaseId, clientId, accountId, productId, productName, amount, paidAt: purchasedAt, metadata: { now: purchasedAt } },
        `product-payment:${purchaseId}`,
        metadata,
      ),
      scheduling.views,
    );
  }
  if (amount.amount <= 0) return;
  // Asked after the payment is recorded and projected: a refund event that found no purchase here
  // came before it, so billing holds that refund by now.
  const billed = await scheduling.purchase(purchaseId, event.metadata.correlationId);
  if (billed.refundedTotal.amount > 0) {
    await handleAndWait(
      scheduling.recordPurchaseRefund({ purchaseId, clientId, accountId }, { refundedTotal: billed.refundedTotal, refundedAt: billed.refundedAt ?? new Date().toISOString() }, metadata),
      scheduling.views,
    );
  }
}

async function bundleWhenPackPurchased(scheduling: Scheduling, event: ClientEvent<typeof ClientsEvents.purchaseRecorded>): Promise<void> {
  const purchase = event.data;
  const pack = purchase.sessionPack;
  if (!pack) return;
  const { clientId, accountId, purchaseId, purchasedAt } = purchase;
  const bundleId = bundleIdOfPurchase(purchaseId);
  const expiresAt = pack.validForDays === null ? null : new Date(Date.parse(purchasedAt) + pack.validForDays * DAY_MS).toISOString();
  await handleAndWait(
    scheduling.programs(
      clientId,
      {
        type: 'CreateBundle',
        bundleId,
        clientId,
        accountId,
        name: purchase.productName || 'Session pack',
        sessions: pack.sessions,
        price: purchase.amount,
        productId: purchase.productId,
        expiresAt,
        purchase: { purchaseId, paidAt: purchasedAt },
        // The bundle starts with the purchase (its expiry counts from then), however late this runs.
        metadata: { actorId: 'billing', now: purchasedAt },
      },
      `bundle-from-purchase:${purchaseId}`,
      metadataOf(event, accountId),
    ),
    scheduling.views,
  );
}

async function cancelSessionsWhenClientDeleted(scheduling: Scheduling, event: ClientEvent<typeof ClientsEvents.deleted>): Promise<void> {
  const { clientId, accountId } = event.data;
  const { events, documents } = scheduling.deps;
  // Sessions booked just before the deletion must be in the read model before it is searched.
  const head = await events.headPosition();
  await waitForProjections(head, scheduling.views);
  const now = new Date().toISOString();
  const scheduled = await documents.collection<SessionDoc>(SESSIONS).find({ clientId, accountId, status: 'scheduled' });
  const positions = [];
  for (const session of scheduled.filter((s) => s.start > now)) {
    try {
      const result = await scheduling.calendar(
        session.coachId,
        { type: 'CancelSession', sessionId: session.id, reason: 'The client was deleted.', metadata: { now } },
        `client-deleted:${session.id}`,
        metadataOf(event, accountId),
      );
      positions.push(result.position);
    } catch (error) {
      // Completed or cancelled meanwhile: nothing left to cancel.
      if (!(error instanceof AppError && error.code === SchedulingErrors.sessionAlreadyHeld.code)) throw error;
    }
  }
  // Erase what the read model holds in clear first, then shred the key (a crash in between: the
  // redelivery finds the erasure recorded and shreds).
  const erased = await scheduling.programs(clientId, { type: 'EraseClient', clientId, accountId, metadata: { now } }, `erase:${clientId}`, metadataOf(event, accountId));
  await waitForProjections(latestPosition(...positions, erased.position), scheduling.views);
  await scheduling.codec.cipher.shred(clientId);
}

function metadataOf(event: { id: string; metadata: { correlationId?: string } }, accountId: string): EventMetadata {
  return reactionMetadata(event, { actor: { id: 'clients', role: 'system' }, accountId });
}
