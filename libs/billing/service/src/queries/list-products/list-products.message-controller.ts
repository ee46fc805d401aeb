import { BillingSubjects, Product } from '@clientele/billing/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Page } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_DEPS, BillingDeps } from '../../billing.deps';
import { PRODUCTS, ProductDoc, toProduct } from '../../read-models/products.projection';

/** The account's catalogue by name, a page at a time (staff). */
@Controller()
export class ListProductsMessageController {
  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps) {}

  @MessagePattern(BillingSubjects.listProducts)
  async list(@Payload() envelope: RequestEnvelope<{ page: number; pageSize: number }>): Promise<Page<Product>> {
    const actor = requireStaff(envelope.actor);
    const { page, pageSize } = envelope.data;
    const products = this.deps.documents.collection<ProductDoc>(PRODUCTS);
    const filter = { accountId: actor.accountId };
    const { items, total } = await products.findPage(filter, { sort: [['nameKey', 1]], skip: (page - 1) * pageSize, limit: pageSize });
    return { items: items.map(toProduct), page, pageSize, total };
  }
}
