import { BillingSubjects, RefundPurchaseRequest, RefundPurchaseResult } from '@clientele/billing/contracts';
import { refundIdempotencyKey, type PurchaseEvent } from '@clientele/billing/domain';
import { commandIdFor, commandMetadata, deterministicEventId } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import { purchaseStream, type BillingContext } from '../../billing.context';

/**
 * Refunds (part of) a purchase of the account (manage_products). RefundRequested is recorded
 * first, then the provider is asked with the idempotency key of that request (its number among
 * the purchase's refund requests); the provider's webhook then records the refund (Finances shows
 * it). A crash between the two: the same request again (the same Idempotency-Key, so the same
 * command id) finds its RefundRequested recorded and asks the provider again with the same key,
 * which the provider answers with the refund it already made. A purchase paid without a provider
 * is refunded at once.
 */
@Controller()
export class RefundPurchaseMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.refundPurchase)
  async refund(@Payload() envelope: RequestEnvelope<RefundPurchaseRequest>): Promise<RefundPurchaseResult> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products', 'refund a purchase');
    const { purchaseId, amount } = envelope.data;
    if (typeof purchaseId !== 'string' || purchaseId.length === 0) throw new AppError(ErrorCodes.notFound, 'No purchase with this id.');
    const commandId = commandIdFor(envelope, (key) => `refund:${purchaseId}:${key}`);
    const result = await this.context.changePurchase(
      purchaseId,
      { type: 'RequestRefund', accountId: actor.accountId, amount, metadata: { actorId: actor.id, now: new Date().toISOString() } },
      commandId,
      commandMetadata(envelope, actor),
    );
    const requested = result.events.find((e): e is Extract<PurchaseEvent, { type: 'RefundRequested' }> => e.type === 'RefundRequested');
    if (!requested) throw new Error(`refund ${commandId} of purchase ${purchaseId} recorded no RefundRequested`);
    const refunded = { purchaseId, amount: requested.data.amount };
    if (result.events.some((e) => e.type === 'PurchaseRefunded')) return { ...refunded, status: 'refunded' };
    const { state } = result;
    if (state.status === 'none' || !state.paymentIntentId) throw new Error(`purchase ${purchaseId} has a refund request but no payment to refund`);
    const provider = await this.context.payments.forAccount(state.terms.accountId);
    await provider.refund({
      purchaseId,
      paymentIntentId: state.paymentIntentId,
      amount: requested.data.amount,
      idempotencyKey: refundIdempotencyKey(purchaseId, await this.requestNumber(purchaseId, commandId)),
    });
    return { ...refunded, status: 'requested' };
  }

  /** Which of the purchase's refund requests this command recorded (1, 2...): a retry finds the same number. */
  private async requestNumber(purchaseId: string, commandId: string): Promise<number> {
    const stream = purchaseStream(purchaseId);
    const ours = deterministicEventId(stream, commandId, 0);
    let n = 0;
    for (const recorded of await this.context.deps.events.readStream(stream)) {
      if (recorded.type === 'RefundRequested') n++;
      if (recorded.id === ours) return n;
    }
    throw new Error(`refund ${commandId} is not in ${stream}`);
  }
}
