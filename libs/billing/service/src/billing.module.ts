import { BillingEvents, BillingSubjects, PurchaseCompletedEventData } from '@clientele/billing/contracts';
import type { PurchaseEvent } from '@clientele/billing/domain';
import { OutboxRelay, ProcessorRunner, ServiceHealth, WorkHealth, domainEvent, processorOptions, toIntegrationEvent } from '@clientele/platform/application';
import type { RecordedEvent } from '@clientele/platform/event-store';
import { Controller, DynamicModule, Inject, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MessagePattern } from '@nestjs/microservices';
import { BillingContext } from './billing.context';
import { BILLING_CONTEXT, BILLING_DEPS, BillingDeps, CompletedImmediately, PaymentProvider } from './billing.deps';
import { PRODUCTS, ProductsProjection } from './products.projection';
import { CheckoutMessageController } from './use-cases/checkout/checkout.message-controller';
import { ProductsMessageController } from './use-cases/products/products.message-controller';

/** Purchases go out without the buyer (personal data stays sealed in billing's events). */
export function billingIntegrationEvents(recorded: RecordedEvent) {
  if (!recorded.streamName.startsWith('purchase-') || recorded.type !== 'ProductPurchased') return null;
  const { purchaseId, productId, accountId, clientType, amount, productName, sessionPack, purchasedAt } = domainEvent<PurchaseEvent>(recorded).data;
  const data: PurchaseCompletedEventData = { purchaseId, productId, accountId, clientType, amount, productName, sessionPack: sessionPack ?? null, purchasedAt };
  return toIntegrationEvent({ ...recorded, metadata: { ...recorded.metadata, accountId } }, BillingEvents.purchaseCompleted, { ...data });
}

@Controller()
class BillingHealthController {
  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps) {}

  @MessagePattern(BillingSubjects.health)
  async health(): Promise<ServiceHealth> {
    await Promise.all([this.deps.events.ping(), this.deps.documents.ping()]);
    // Answers even while a processor or consumer keeps failing: the gateway's /health reports it.
    return WorkHealth.process.report('billing');
  }
}

/** Products and checkout. Answers `billing.*`, publishes `billing.purchase.*`. */
@Module({})
export class BillingModule implements OnApplicationBootstrap, OnApplicationShutdown {
  private started = false;

  constructor(@Inject(BILLING_DEPS) private readonly deps: BillingDeps, @Inject('BILLING_RUNNERS') private readonly runners: ProcessorRunner[]) {}

  static register(deps: BillingDeps, payments: PaymentProvider = new CompletedImmediately()): DynamicModule {
    const options = processorOptions('billing', deps.logger, deps.leases);
    const views = new ProcessorRunner(deps.events, deps.documents, new ProductsProjection(deps.documents), options);
    const outbox = new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, billingIntegrationEvents, 'billing_outbox'), options);
    const context = new BillingContext(deps, payments, () => views);
    return {
      module: BillingModule,
      controllers: [ProductsMessageController, CheckoutMessageController, BillingHealthController],
      providers: [
        { provide: BILLING_DEPS, useValue: deps },
        { provide: BILLING_CONTEXT, useValue: context },
        { provide: 'BILLING_RUNNERS', useValue: [views, outbox] },
      ],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.documents.collection(PRODUCTS).ensureIndexes([{ fields: [['accountId', 1], ['nameKey', 1]] }]);
    await Promise.all(this.runners.map((runner) => runner.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }
}
