import type { Product } from '@clientele/billing/contracts';
import { Buyer, ProductCommand, ProductEvent, ProductState, PurchaseCommand, PurchaseEvent, PurchaseState, productDecider, purchaseDecider } from '@clientele/billing/domain';
import { CommandResult, EventCodec, ProcessorRunner, StreamState, commandMetadata, domainEvent, handleAndWait, handleCommand, readState } from '@clientele/platform/application';
import type { RequestActor, RequestEnvelope } from '@clientele/platform/bus';
import { fold } from '@clientele/platform/core';
import type { EventData, EventMetadata, RecordedEvent } from '@clientele/platform/event-store';
import { KeyStore, PersonalDataCipher } from '@clientele/platform/privacy';
import { BillingDeps } from './billing.deps';
import type { PaymentProviders } from './payments/payment-provider';
import { catalogueProduct } from './read-models/products.projection';

export const productStream = (productId: string) => `product-${productId}`;
export const purchaseStream = (purchaseId: string) => `purchase-${purchaseId}`;

/**
 * A purchase's buyer is personal data: sealed with a key of the purchase in the events that carry
 * it (CheckoutStarted, ProductPurchased). The other events have no buyer and pass as they are.
 */
export class PurchaseCodec implements EventCodec<PurchaseEvent> {
  constructor(readonly cipher: PersonalDataCipher) {}

  async encode(event: PurchaseEvent): Promise<EventData> {
    if (!('buyer' in event.data)) return { ...event.data } as unknown as EventData;
    const { buyer, ...rest } = event.data;
    return { ...rest, buyer: await this.cipher.seal(event.data.purchaseId, { ...buyer }) } as unknown as EventData;
  }

  async decode(recorded: RecordedEvent): Promise<PurchaseEvent> {
    const data = recorded.data as Record<string, unknown>;
    if (typeof data.buyer !== 'string') return domainEvent<PurchaseEvent>(recorded);
    const opened = await this.cipher.open<Record<string, unknown>>(data.purchaseId as string, data.buyer);
    const buyer = (opened ?? { firstName: '[erased]', lastName: '[erased]', email: '', phone: null }) as unknown as Buyer;
    return { type: recorded.type, data: { ...data, buyer } } as PurchaseEvent;
  }
}

export class BillingContext {
  readonly purchaseCodec: PurchaseCodec;

  constructor(
    readonly deps: BillingDeps,
    /** Who takes the buyers' money for each account (Stripe when it connected it). */
    readonly payments: PaymentProviders,
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

  /**
   * Decides a command on a purchase and appends its events (the buyer sealed). `commandId` makes a
   * retried command append nothing twice: its answer is then that of the first run.
   */
  changePurchase(purchaseId: string, command: PurchaseCommand, commandId: string, metadata: EventMetadata): Promise<CommandResult<PurchaseState, PurchaseEvent>> {
    return handleCommand(this.deps.events, purchaseStream(purchaseId), purchaseDecider, command, { commandId, metadata }, { codec: this.purchaseCodec });
  }

  /** A purchase as it stands; its buyer stays sealed (only the events' codec opens it). */
  purchase(purchaseId: string): Promise<StreamState<PurchaseState>> {
    return readState(this.deps.events, purchaseStream(purchaseId), purchaseDecider);
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
