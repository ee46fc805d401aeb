import { BillingSubjects, BuyerView } from '@clientele/billing/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import { purchaseStream, type BillingContext } from '../../billing.context';

/** Internal: the buyer of a purchase, opened from its event (personal data stays out of the integration events). */
@Controller()
export class GetBuyerMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.getBuyer)
  async buyer(@Payload() envelope: RequestEnvelope<{ purchaseId: string }>): Promise<BuyerView> {
    const [recorded] = await this.context.deps.events.readStream(purchaseStream(envelope.data.purchaseId), { maxCount: 1 });
    if (!recorded) throw new AppError(ErrorCodes.notFound, 'No purchase with this id.');
    // A purchase's first event (its checkout started, or paid at once) carries its buyer.
    const first = await this.context.purchaseCodec.decode(recorded);
    if (!('buyer' in first.data)) throw new AppError(ErrorCodes.notFound, 'No purchase with this id.');
    const { buyer } = first.data;
    return { purchaseId: envelope.data.purchaseId, ...buyer };
  }
}
