import { BillingSubjects, CheckoutRequest, CheckoutResult } from '@clientele/billing/contracts';
import { purchaseDecider } from '@clientele/billing/domain';
import { commandMetadata, deterministicId, handleCommand } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { createHash } from 'node:crypto';
import { BILLING_CONTEXT } from '../../billing.deps';
import { purchaseStream, type BillingContext } from '../../billing.context';

/**
 * Public checkout. The Idempotency-Key names the purchase of one product: the same key and request
 * answer the same purchase and record nothing more; the same key with another request for the same
 * product is 409. The same key on another product (another account's, say) is another purchase. The payment is
 * captured (with the purchase id as the provider's idempotency key), then ProductPurchased is
 * recorded; the clients service enrols the buyer from its integration event.
 */
@Controller()
export class CheckoutMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.checkout)
  async checkout(@Payload() envelope: RequestEnvelope<CheckoutRequest>): Promise<CheckoutResult> {
    if (!envelope.idempotencyKey) {
      throw new AppError(ErrorCodes.idempotencyKeyRequired, 'A checkout needs an Idempotency-Key header, so that paying twice is impossible.');
    }
    const { productId, buyer } = envelope.data;
    const normalizedBuyer = {
      firstName: buyer.firstName.trim(),
      lastName: buyer.lastName.trim(),
      email: buyer.email.trim(),
      phone: buyer.phone?.trim() || null,
    };
    // Keys are the buyer's, not ours: scoped to the product (so to its account), another account's product never meets this key.
    const purchaseId = deterministicId('purchase', productId, envelope.idempotencyKey);
    const requestHash = createHash('sha256').update(JSON.stringify({ productId, buyer: { ...normalizedBuyer, email: normalizedBuyer.email.toLowerCase() } })).digest('hex');
    const product = await this.context.product(productId);
    if (product.status === 'active') await this.context.payments.capture({ purchaseId, amount: product.price });
    await handleCommand(
      this.context.deps.events,
      purchaseStream(purchaseId),
      purchaseDecider,
      { type: 'Checkout', purchaseId, product, buyer: normalizedBuyer, requestHash, metadata: { now: new Date().toISOString() } },
      // The request is part of the command id: the same key with another request reaches the decider, which refuses it.
      { commandId: `checkout:${purchaseId}:${requestHash}`, metadata: commandMetadata(envelope, { id: 'buyer', role: 'client', accountId: product.status === 'none' ? '' : product.accountId }) },
      { codec: this.context.purchaseCodec },
    );
    return { purchaseId, productId, status: 'completed' };
  }
}
