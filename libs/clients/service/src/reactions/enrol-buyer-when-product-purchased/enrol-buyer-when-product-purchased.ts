import { BillingEvents, BillingSubjects, type BillingIntegrationEvents, type BuyerView, type PurchaseCompletedEventData } from '@clientele/billing/contracts';
import { ClientAddedData, clientExists, initialAppAccess } from '@clientele/clients/domain';
import { IdentitySubjects, type AccountView } from '@clientele/identity/contracts';
import { deterministicId, reactionMetadata, reactionsTo, type Reaction } from '@clientele/platform/application';
import { durableName, type IntegrationEventOf } from '@clientele/platform/bus';
import { ErrorCodes } from '@clientele/platform/core';
import type { ClientsContext } from '../../clients.context';
import { enrolNewClients, newClient } from '../../enrolment/enrolment';

/**
 * The enrolment saga: a buyer becomes a client of the product's account.
 * - A new buyer is enrolled with the product's type, `source: product` and an invitation; with no
 *   free seat they wait as `pending` and get the seat (and the invitation) when one frees up.
 * - A buyer who already is a client (same e-mail, case-insensitive) keeps their record: an
 *   offline client is raised to the product's type, a full-access one keeps theirs.
 * - Every step's id derives from the purchase: a redelivered event, a crash between steps or a
 *   restart never makes two clients, two purchases on the profile or two invitations.
 */
export class EnrolBuyerWhenProductPurchased {
  private readonly owners = new Map<string, string>();

  constructor(private readonly context: ClientsContext) {}

  async handle(event: IntegrationEventOf<BillingIntegrationEvents, typeof BillingEvents.purchaseCompleted>): Promise<void> {
    const purchase = event.data;
    const { accountId, purchaseId } = purchase;
    const metadata = reactionMetadata(event, { actor: { id: 'billing', role: 'system' }, accountId });
    const buyer = await this.context.deps.requests.request<BuyerView>(BillingSubjects.getBuyer, { correlationId: event.metadata.correlationId, data: { purchaseId } });
    const emailKey = await this.context.emailKey(accountId, buyer.email);

    for (let attempt = 0; attempt < 3; attempt++) {
      const roster = await this.context.rosterState(accountId);
      const existing = roster.emails[emailKey];
      if (existing) return this.existingClient(existing, purchase, metadata);

      const clientId = deterministicId('buyer', purchaseId);
      const client: ClientAddedData = {
        clientId,
        accountId,
        firstName: buyer.firstName,
        lastName: buyer.lastName,
        email: buyer.email,
        phone: buyer.phone,
        type: purchase.clientType,
        status: 'active',
        coachId: await this.owner(accountId, event.metadata.correlationId),
        source: { kind: 'product', productId: purchase.productId },
        sendInvitation: purchase.clientType !== 'offline',
        appAccess: initialAppAccess(purchase.clientType, purchase.clientType !== 'offline'),
        addedAt: purchase.purchasedAt,
        addedBy: 'billing',
      };
      // `enroll:` is spelled as when first recorded: the roster's event ids derive from this command id.
      // With no free seat the buyer waits for one, as `pending`.
      const [{ plan }] = await enrolNewClients(this.context, accountId, [await newClient(this.context, client, 'wait', emailKey)], `enroll:${clientId}`, metadata);
      // Another purchase by the same person enrolled them meanwhile: they are an existing client now.
      if (plan.refusal?.code === ErrorCodes.emailTaken) continue;
      if (plan.refusal) throw plan.refusal;
      await this.recordPurchase(clientId, purchase, metadata);
      return;
    }
    throw new Error(`could not enrol the buyer of purchase ${purchaseId}`);
  }

  private async existingClient(clientId: string, purchase: PurchaseCompletedEventData, metadata: Record<string, unknown>): Promise<void> {
    await this.recordPurchase(clientId, purchase, metadata);
    const state = await this.context.loadClient(clientId);
    if (clientExists(state) && state.type === 'offline') {
      await this.context.changeClient(
        clientId,
        null,
        { type: 'ChangeType', to: purchase.clientType, metadata: { actorId: 'billing', now: new Date().toISOString() } },
        `purchase-type:${purchase.purchaseId}`,
        metadata,
      );
    }
  }

  private async recordPurchase(clientId: string, purchase: PurchaseCompletedEventData, metadata: Record<string, unknown>): Promise<void> {
    await this.context.changeClient(
      clientId,
      null,
      {
        type: 'RecordPurchase',
        purchaseId: purchase.purchaseId,
        productId: purchase.productId,
        amount: purchase.amount,
        // Events published before session packs existed carry neither.
        productName: purchase.productName ?? '',
        sessionPack: purchase.sessionPack ?? null,
        purchasedAt: purchase.purchasedAt,
      },
      `purchase:${purchase.purchaseId}`,
      metadata,
    );
  }

  /** Buyers are the business owner's clients until an admin reassigns them. */
  private async owner(accountId: string, correlationId?: string): Promise<string> {
    let owner = this.owners.get(accountId);
    if (!owner) {
      owner = (await this.context.deps.requests.request<AccountView>(IdentitySubjects.getAccount, { correlationId, data: { accountId } })).ownerId;
      this.owners.set(accountId, owner);
    }
    return owner;
  }
}

/** The durable consumer `clients--billing`. */
export function enrolBuyerWhenProductPurchased(context: ClientsContext): Reaction {
  const saga = new EnrolBuyerWhenProductPurchased(context);
  return reactionsTo<BillingIntegrationEvents>()(
    { durableName: durableName('clients', 'billing'), sourceService: 'billing', subjects: [BillingEvents.purchaseCompleted], maxDeliveries: 10, retryDelaysMs: [200, 1000, 5000] },
    (event) => saga.handle(event),
  );
}
