import { BillingSubjects, Product } from '@clientele/billing/contracts';
import type { ProductCommand } from '@clientele/billing/domain';
import { requireCapability, requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';
import { catalogueProduct } from '../../read-models/products.projection';

/** Archives a product of the account's catalogue (manage_products): it is no longer for sale. */
@Controller()
export class ArchiveProductMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.archiveProduct)
  async archive(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products', 'archive one');
    await catalogueProduct(this.context.deps.documents, actor.accountId, envelope.data.productId);
    const command: ProductCommand = { type: 'ArchiveProduct', metadata: { actorId: actor.id, now: new Date().toISOString() } };
    return this.context.recordProductChange(envelope, actor, envelope.data.productId, command, `archive:${envelope.data.productId}`);
  }
}
