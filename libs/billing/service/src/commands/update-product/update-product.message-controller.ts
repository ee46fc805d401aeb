import { BillingSubjects, Money, Product, SessionPack } from '@clientele/billing/contracts';
import type { ProductCommand } from '@clientele/billing/domain';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { ClientType } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';
import { catalogueProduct } from '../../read-models/products.projection';

type ProductChanges = { name?: string; price?: Money; clientType?: ClientType; sessionPack?: SessionPack | null };

/** Changes a product of the account's catalogue (manage_products). */
@Controller()
export class UpdateProductMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.updateProduct)
  async update(@Payload() envelope: RequestEnvelope<{ productId: string; changes: ProductChanges }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products', 'change one');
    await catalogueProduct(this.context.deps.documents, actor.accountId, envelope.data.productId);
    const command: ProductCommand = { type: 'UpdateProduct', changes: envelope.data.changes, metadata: { actorId: actor.id, now: new Date().toISOString() } };
    return this.context.recordProductChange(envelope, actor, envelope.data.productId, command, randomUUID());
  }
}
