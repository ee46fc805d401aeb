import type { Product } from '@clientele/billing/contracts';
import { Buyer, ProductCommand, ProductEvent, ProductState, PurchaseEvent, productDecider } from '@clientele/billing/domain';
import { CommandResult, EventCodec, ProcessorRunner, commandMetadata, domainEvent, handleAndWait, handleCommand } from '@clientele/platform/application';
import type { RequestActor, RequestEnvelope } from '@clientele/platform/bus';
import { fold } from '@clientele/platform/core';
import type { EventData, EventMetadata, RecordedEvent } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { BillingDeps, PaymentProvider } from './billing.deps';
import { catalogueProduct } from './read-models/products.projection';

export const productStream = (productId: string) => `product-${productId}`;
export const purchaseStream = (purchaseId: string) => `purchase-${purchaseId}`;

/** A purchase's buyer is personal data: sealed in the event with a key of the purchase. */
export class PurchaseCodec implements EventCodec<PurchaseEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: PurchaseEvent): Promise<EventData> {
    const { buyer, ...rest } = event.data;
    return { ...rest, buyer: await this.cipher.seal(event.data.purchaseId, { ...buyer }) };
  }

  async decode(recorded: RecordedEvent): Promise<PurchaseEvent> {
    const { buyer, ...data } = recorded.data as Record<string, unknown> & { buyer: string };
    const opened = await this.cipher.open<Record<string, unknown>>(data.purchaseId as string, buyer);
    return { type: 'ProductPurchased', data: { ...data, buyer: (opened ?? { firstName: '[erased]', lastName: '[erased]', email: '', phone: null }) as unknown as Buyer } } as PurchaseEvent;
  }
}

export class BillingContext {
  readonly purchaseCodec: PurchaseCodec;

  constructor(
    readonly deps: BillingDeps,
    readonly payments: PaymentProvider,
    private readonly productViews: () => ProcessorRunner,
  ) {
    this.purchaseCodec = new PurchaseCodec(new PersonalDataCipher(new KeyStore(deps.keys)));
  }

  changeProduct(productId: string, command: ProductCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<ProductState, ProductEvent>> {
    return handleCommand(this.deps.events, productStream(productId), productDecider, command, { commandId, metadata });
  }

  /** Records a change of the catalogue, and answers the product once the catalogue's read model shows it. */
  async recordProductChange(envelope: RequestEnvelope<unknown>, actor: RequestActor, productId: string, command: ProductCommand, commandId: string): Promise<Product> {
    await handleAndWait(this.changeProduct(productId, command, commandId, commandMetadata(envelope, actor)), this.views);
    return catalogueProduct(this.deps.documents, actor.accountId, productId);
  }

  async product(productId: string): Promise<ProductState> {
    const history = await this.deps.events.readStream(productStream(productId));
    return fold(productDecider, history.map((e) => domainEvent<ProductEvent>(e)));
  }

  /** The catalogue's read model, which the requests answer from: wait for it (`handleAndWait`) to read your writes. */
  get views(): ProcessorRunner {
    return this.productViews();
  }
}
