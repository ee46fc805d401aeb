import { BillingSubjects, Money, Product, SessionPack } from '@clientele/billing/contracts';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ClientType } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';

/** Adds a product to the account's catalogue (manage_products). */
@Controller()
export class CreateProductMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.createProduct)
  async create(@Payload() envelope: RequestEnvelope<{ name: string; price: Money; clientType?: ClientType; sessionPack?: SessionPack | null }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products');
    const productId = randomUUID();
    return this.context.recordProductChange(
      envelope,
      actor,
      productId,
      { type: 'CreateProduct', productId, accountId: actor.accountId, ...envelope.data, metadata: { actorId: actor.id, now: new Date().toISOString() } },
      `create-product:${productId}`,
    );
  }
}
