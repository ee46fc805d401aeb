import { BillingSubjects, PublicProductOfAccount } from '@clientele/billing/contracts';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_DEPS, BillingDeps } from '../../billing.deps';
import { PRODUCTS, ProductDoc, toProduct } from '../../read-models/products.projection';

/**
 * For the public checkout page: any product by id. The account id is for the gateway, which names
 * the business from it and passes nothing else of the account on.
 */
@Controller()
export class GetPublicProductMessageController {
  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps) {}

  @MessagePattern(BillingSubjects.getPublicProduct)
  async getPublic(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<PublicProductOfAccount> {
    const doc = await this.deps.documents.collection<ProductDoc>(PRODUCTS).get(envelope.data.productId);
    if (!doc) throw new AppError(ErrorCodes.notFound, 'This product does not exist; check the link you were given.');
    const { id, name, price, clientType, sessionPack, archived } = toProduct(doc);
    return { id, name, price, clientType, sessionPack, archived, accountId: doc.accountId };
  }
}
