import { BillingSubjects, CheckoutRequest, CheckoutResult } from '@clientele/billing/contracts';
import type { PurchaseCommand, PurchaseState } from '@clientele/billing/domain';
import { commandMetadata, deterministicId } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { createHash } from 'node:crypto';
import { BILLING_CONTEXT, BILLING_DEPS, type BillingDeps } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';

const DEFAULT_PUBLIC_URL = 'http://localhost:3000';

/**
 * Public checkout. The Idempotency-Key names the purchase of one product: the same key and request
 * answer the same purchase and record nothing more (nor ask the payment provider again); the same
 * key with another request for the same product is 409. The same key on another product (another
 * account's, say) is another purchase.
 *
 * The account's payment provider opens the payment, with the purchase id as its idempotency key:
 * paid at once records ProductPurchased (the clients service enrols the buyer from its integration
 * event); a provider's payment page records CheckoutStarted and answers where the buyer pays, and
 * the provider's webhook says later whether they did.
 */
@Controller()
export class CheckoutMessageController {
  constructor(
    @Inject(BILLING_CONTEXT) private readonly context: BillingContext,
    @Inject(BILLING_DEPS) private readonly deps: BillingDeps,
  ) {}

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
    const command: Extract<PurchaseCommand, { type: 'Checkout' }> = {
      type: 'Checkout',
      purchaseId,
      product,
      buyer: normalizedBuyer,
      requestHash,
      metadata: { now: new Date().toISOString() },
    };
    // A purchase already recorded answers from its events: the provider is asked once per purchase.
    const { state } = await this.context.purchase(purchaseId);
    if (state.status === 'none' && product.status === 'active') {
      const provider = await this.context.payments.forAccount(product.accountId);
      const base = (this.deps.publicUrl ?? DEFAULT_PUBLIC_URL).replace(/\/+$/, '');
      const page = `${base}/checkout/${encodeURIComponent(productId)}?purchase=${purchaseId}`;
      command.opening = await provider.start({
        purchaseId,
        accountId: product.accountId,
        productId,
        productName: product.name,
        amount: product.price,
        buyerEmail: normalizedBuyer.email,
        successUrl: page,
        cancelUrl: `${page}&cancelled=1`,
      });
    }
    const result = await this.context.changePurchase(
      purchaseId,
      command,
      // The request is part of the command id: the same key with another request reaches the decider, which refuses it.
      `checkout:${purchaseId}:${requestHash}`,
      commandMetadata(envelope, { id: 'buyer', role: 'client', accountId: product.status === 'none' ? '' : product.accountId }),
    );
    return checkoutAnswer(purchaseId, productId, result.state);
  }
}

function checkoutAnswer(purchaseId: string, productId: string, state: PurchaseState): CheckoutResult {
  if (state.status === 'pending_payment') return { purchaseId, productId, status: 'pending_payment', paymentUrl: state.paymentUrl ?? undefined };
  if (state.status === 'not_completed') return { purchaseId, productId, status: 'not_completed' };
  return { purchaseId, productId, status: 'completed' };
}
