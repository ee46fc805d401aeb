import { BillingSubjects, Product } from '@clientele/billing/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_DEPS, BillingDeps } from '../../billing.deps';
import { catalogueProduct } from '../../read-models/products.projection';

/** One product of the account's catalogue (staff). */
@Controller()
export class GetProductMessageController {
  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps) {}

  @MessagePattern(BillingSubjects.getProduct)
  get(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    return catalogueProduct(this.deps.documents, actor.accountId, envelope.data.productId);
  }
}
