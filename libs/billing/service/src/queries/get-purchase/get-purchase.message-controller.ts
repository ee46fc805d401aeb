import { BillingSubjects, PurchaseView } from '@clientele/billing/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import { purchaseStream, type BillingContext } from '../../billing.context';

/** Internal: a purchase's product and account, without its buyer (nothing sealed is opened). */
@Controller()
export class GetPurchaseMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.getPurchase)
  async purchase(@Payload() envelope: RequestEnvelope<{ purchaseId: string }>): Promise<PurchaseView> {
    const [recorded] = await this.context.deps.events.readStream(purchaseStream(envelope.data.purchaseId), { maxCount: 1 });
    if (!recorded) throw new AppError(ErrorCodes.notFound, 'No purchase with this id; check the link you were given.');
    const { purchaseId, productId, accountId } = recorded.data as unknown as PurchaseView;
    return { purchaseId, productId, accountId };
  }
}
