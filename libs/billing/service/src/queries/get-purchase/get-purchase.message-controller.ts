import { BillingSubjects, PurchaseView } from '@clientele/billing/contracts';
import { purchaseStatus } from '@clientele/billing/domain';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';

/**
 * Internal: a purchase's product, account and where it stands (waiting for the payment, paid,
 * not paid, refunded), without its buyer (nothing sealed is opened). The checkout page asks it
 * when the buyer comes back from the payment page; Finances for the refunds.
 */
@Controller()
export class GetPurchaseMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.getPurchase)
  async purchase(@Payload() envelope: RequestEnvelope<{ purchaseId: string }>): Promise<PurchaseView> {
    const { state } = await this.context.purchase(envelope.data.purchaseId);
    if (state.status === 'none') throw new AppError(ErrorCodes.notFound, 'No purchase with this id; check the link you were given.');
    const { purchaseId, productId, accountId, amount } = state.terms;
    const status = purchaseStatus(state);
    return {
      purchaseId,
      productId,
      accountId,
      status,
      amount: { ...amount },
      refundedTotal: { ...state.refundedTotal },
      ...(state.refundedAt ? { refundedAt: state.refundedAt } : {}),
      ...(status === 'pending_payment' && state.paymentUrl ? { paymentUrl: state.paymentUrl } : {}),
    };
  }
}
