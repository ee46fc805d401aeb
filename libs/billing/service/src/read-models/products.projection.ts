import type { Product } from '@clientele/billing/contracts';
import type { ProductEvent } from '@clientele/billing/domain';
import { EventProcessor, domainEvent } from '@clientele/platform/application';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import type { DocumentStore, WriteOp } from '@clientele/platform/document-store';
import type { RecordedEvent } from '@clientele/platform/event-store';

export const PRODUCTS = 'products';
export type ProductDoc = Product & { accountId: string; nameKey: string; version: number; [key: string]: unknown };

export function toProduct(doc: ProductDoc): Product {
  return { id: doc.id, name: doc.name, price: doc.price, clientType: doc.clientType, sessionPack: doc.sessionPack ?? null, archived: doc.archived, createdAt: doc.createdAt };
}

/** A product of the account's catalogue: another account's product is not found, as a missing one is. */
export async function catalogueProduct(documents: DocumentStore, accountId: string, productId: string): Promise<Product> {
  const doc = await documents.collection<ProductDoc>(PRODUCTS).get(productId);
  if (!doc || doc.accountId !== accountId) throw new AppError(ErrorCodes.notFound, 'No product with this id.');
  return toProduct(doc);
}

/** The product catalogue of each account, guarded by the product stream's revision. */
export class ProductsProjection implements EventProcessor {
  readonly name = 'billing_products';
  readonly filter = { streamCategories: ['product'] };

  constructor(private readonly documents: DocumentStore) {}

  async handle(recorded: RecordedEvent): Promise<WriteOp[]> {
    const event = domainEvent<ProductEvent>(recorded);
    const version = recorded.revision;
    if (event.type === 'ProductCreated') {
      const d = event.data;
      const doc: ProductDoc = { id: d.productId, accountId: d.accountId, name: d.name, nameKey: d.name.toLowerCase(), price: d.price, clientType: d.clientType, sessionPack: d.sessionPack ?? null, archived: false, createdAt: d.createdAt, version };
      return [{ op: 'upsert', collection: PRODUCTS, doc, version }];
    }
    const current = await this.documents.collection<ProductDoc>(PRODUCTS).get(event.data.productId);
    if (!current || current.version >= version) return [];
    const changes = event.type === 'ProductUpdated' ? { ...event.data.changes, ...(event.data.changes.name ? { nameKey: event.data.changes.name.toLowerCase() } : {}) } : { archived: true };
    return [{ op: 'upsert', collection: PRODUCTS, doc: { ...current, ...changes, version }, version }];
  }
}
