import { CheckoutEnrolmentSubjects, type PurchaseEnrolmentView } from '@clientele/billing/contracts';
import { deterministicId } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CLIENTS_CONTEXT } from '../../clients.deps';
import type { ClientsContext } from '../../clients.context';
import { CLIENT_PURCHASES } from '../../read-models/clients.projection';
import { clientStream } from '../../streams';

/**
 * Internal, for the checkout page (through the gateway): what the enrolment saga
 * (`reactions/enrol-buyer-when-product-purchased`) made of a purchase's buyer. The answer is what
 * happened at the purchase, read from what was recorded then, so it never changes once decided:
 * - a new buyer's client id derives from the purchase; its stream starts with ClientAdded, whose
 *   status is the roster's decision (`pending`: no free seat). A later seat does not change it.
 * - a buyer who already was a client has the purchase recorded on their profile instead.
 * - neither yet: null, the saga has not decided (or the clients service was down meanwhile).
 * It carries nothing personal: the purchase id alone, which only the buyer's page knows.
 */
@Controller()
export class GetPurchaseEnrolmentMessageController {
  constructor(@Inject(CLIENTS_CONTEXT) private readonly context: ClientsContext) {}

  @MessagePattern(CheckoutEnrolmentSubjects.getPurchaseEnrolment)
  async enrolment(@Payload() envelope: RequestEnvelope<{ purchaseId: string }>): Promise<PurchaseEnrolmentView> {
    const { purchaseId } = envelope.data;
    // `buyer` and the purchase id: the saga's id of a new buyer (reactions/enrol-buyer-when-product-purchased).
    const [added] = await this.context.deps.events.readStream(clientStream(deterministicId('buyer', purchaseId)), { maxCount: 1 });
    if (added?.type === 'ClientAdded') {
      return { purchaseId, enrolment: (added.data as { status?: string }).status === 'pending' ? 'waiting_for_seat' : 'enrolled' };
    }
    const recorded = await this.context.deps.documents.collection<{ id: string; clientId: string }>(CLIENT_PURCHASES).get(purchaseId);
    return { purchaseId, enrolment: recorded ? 'already_client' : null };
  }
}
