import { BillingSubjects, Money, Product, PublicProduct, SessionPack } from '@clientele/billing/contracts';
import type { ProductCommand } from '@clientele/billing/domain';
import { commandMetadata, handleAndWait } from '@clientele/platform/application';
import { requireCapability, requireStaff, type RequestActor, type RequestEnvelope } from '@clientele/platform/bus';
import { AppError, ClientType, ErrorCodes, Page } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { randomUUID } from 'node:crypto';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';
import { PRODUCTS, ProductDoc, toProduct } from '../../products.projection';

type ProductChanges = { name?: string; price?: Money; clientType?: ClientType; sessionPack?: SessionPack | null };

/** The catalogue: create, change and archive products (manage_products), list and read them (staff). */
@Controller()
export class ProductsMessageController {
  constructor(@Inject(BILLING_CONTEXT) private readonly context: BillingContext) {}

  @MessagePattern(BillingSubjects.createProduct)
  async create(@Payload() envelope: RequestEnvelope<{ name: string; price: Money; clientType?: ClientType; sessionPack?: SessionPack | null }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products');
    const productId = randomUUID();
    return this.record(
      envelope,
      actor,
      productId,
      { type: 'CreateProduct', productId, accountId: actor.accountId, ...envelope.data, actorId: actor.id, now: new Date().toISOString() },
      `create-product:${productId}`,
    );
  }

  @MessagePattern(BillingSubjects.updateProduct)
  async update(@Payload() envelope: RequestEnvelope<{ productId: string; changes: ProductChanges }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products');
    await this.read(actor.accountId, envelope.data.productId);
    const command: ProductCommand = { type: 'UpdateProduct', changes: envelope.data.changes, actorId: actor.id, now: new Date().toISOString() };
    return this.record(envelope, actor, envelope.data.productId, command, randomUUID());
  }

  @MessagePattern(BillingSubjects.archiveProduct)
  async archive(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    requireCapability(actor, 'manage_products');
    await this.read(actor.accountId, envelope.data.productId);
    const command: ProductCommand = { type: 'ArchiveProduct', actorId: actor.id, now: new Date().toISOString() };
    return this.record(envelope, actor, envelope.data.productId, command, `archive:${envelope.data.productId}`);
  }

  @MessagePattern(BillingSubjects.listProducts)
  async list(@Payload() envelope: RequestEnvelope<{ page: number; pageSize: number }>): Promise<Page<Product>> {
    const actor = requireStaff(envelope.actor);
    const { page, pageSize } = envelope.data;
    const products = this.context.deps.documents.collection<ProductDoc>(PRODUCTS);
    const filter = { accountId: actor.accountId };
    const [docs, total] = await Promise.all([products.find(filter, { sort: [['nameKey', 1]], skip: (page - 1) * pageSize, limit: pageSize }), products.count(filter)]);
    return { items: docs.map(toProduct), page, pageSize, total };
  }

  @MessagePattern(BillingSubjects.getProduct)
  get(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<Product> {
    const actor = requireStaff(envelope.actor);
    return this.read(actor.accountId, envelope.data.productId);
  }

  /** For the public checkout page: any product by id, with nothing of its account. */
  @MessagePattern(BillingSubjects.getPublicProduct)
  async getPublic(@Payload() envelope: RequestEnvelope<{ productId: string }>): Promise<PublicProduct> {
    const doc = await this.context.deps.documents.collection<ProductDoc>(PRODUCTS).get(envelope.data.productId);
    if (!doc) throw new AppError(ErrorCodes.notFound, 'This product does not exist; check the link you were given.');
    const { id, name, price, clientType, sessionPack, archived } = toProduct(doc);
    return { id, name, price, clientType, sessionPack, archived };
  }

  /** Records a change of the catalogue, and answers the product once the catalogue's read model shows it. */
  private async record(envelope: RequestEnvelope<unknown>, actor: RequestActor, productId: string, command: ProductCommand, commandId: string): Promise<Product> {
    await handleAndWait(this.context.changeProduct(productId, command, commandId, commandMetadata(envelope, actor)), this.context.views);
    return this.read(actor.accountId, productId);
  }

  private async read(accountId: string, productId: string): Promise<Product> {
    const doc = await this.context.deps.documents.collection<ProductDoc>(PRODUCTS).get(productId);
    if (!doc || doc.accountId !== accountId) throw new AppError(ErrorCodes.notFound, 'No product with this id.');
    return toProduct(doc);
  }
}
