import { ClientsSubjects } from '@clientele/clients/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { canRead } from '../../authorization';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import { notFound, type ClientsContext } from '../../clients.context';
import { CLIENTS, ClientDoc } from '../../read-models/client-doc';
import { CLIENT_PURCHASES } from '../../read-models/clients.projection';

export interface PurchaseView {
  purchaseId: string;
  productId: string;
  amount: { amount: number; currency: string };
  purchasedAt: string;
}

/** What the client bought, newest first. */
@Controller()
export class GetPurchasesMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(ClientsSubjects.getPurchases)
  async purchases(@Payload() envelope: RequestEnvelope<{ clientId: string }>): Promise<{ items: PurchaseView[] }> {
    const actor = requireStaff(envelope.actor);
    const client = await this.context.deps.documents.collection<ClientDoc>(CLIENTS).get(envelope.data.clientId);
    if (!client || !(await canRead(actor, client, this.context.sessionLinks))) throw notFound();
    const docs = await this.context.deps.documents
      .collection<{ id: string; productId: string; amount: PurchaseView['amount']; purchasedAt: string; clientId: string }>(CLIENT_PURCHASES)
      .find({ clientId: envelope.data.clientId }, { sort: [['purchasedAt', -1]] });
    return { items: docs.map((d) => ({ purchaseId: d.id, productId: d.productId, amount: d.amount, purchasedAt: d.purchasedAt })) };
  }
}
