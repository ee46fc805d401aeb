import { OutboxRelay, ProcessorRunner, ServiceLifecycle, processorOptions } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { BillingContext } from './billing.context';
import { BILLING_CONTEXT, BILLING_DEPS, BillingDeps, CompletedImmediately, PaymentProvider } from './billing.deps';
import { ArchiveProductMessageController } from './commands/archive-product/archive-product.message-controller';
import { CheckoutMessageController } from './commands/checkout/checkout.message-controller';
import { CreateProductMessageController } from './commands/create-product/create-product.message-controller';
import { UpdateProductMessageController } from './commands/update-product/update-product.message-controller';
import { billingIntegrationEvents } from './outbox';
import { GetBuyerMessageController } from './queries/get-buyer/get-buyer.message-controller';
import { GetProductMessageController } from './queries/get-product/get-product.message-controller';
import { GetPublicProductMessageController } from './queries/get-public-product/get-public-product.message-controller';
import { GetPurchaseMessageController } from './queries/get-purchase/get-purchase.message-controller';
import { BillingHealthMessageController } from './queries/health/health.message-controller';
import { ListProductsMessageController } from './queries/list-products/list-products.message-controller';
import { PRODUCTS, ProductsProjection } from './read-models/products.projection';

/** Products and checkout. Answers `billing.*`, publishes `billing.purchase.*`. */
@Module({})
export class BillingModule {

  static register(deps: BillingDeps, payments: PaymentProvider = new CompletedImmediately()): DynamicModule {
    const options = processorOptions('billing', deps.logger, deps.leases);
    const views = new ProcessorRunner(deps.events, deps.documents, new ProductsProjection(deps.documents), options);
    const outbox = new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, billingIntegrationEvents, 'billing_outbox'), options);
    const context = new BillingContext(deps, payments, () => views);
    const lifecycle = new ServiceLifecycle({
      documents: deps.documents,
      bus: deps.bus,
      indexes: [{ collection: PRODUCTS, indexes: [{ fields: [['accountId', 1], ['nameKey', 1]] }] }],
      runners: [views, outbox],
    });
    return {
      module: BillingModule,
      controllers: [
        CreateProductMessageController,
        UpdateProductMessageController,
        ArchiveProductMessageController,
        CheckoutMessageController,
        ListProductsMessageController,
        GetProductMessageController,
        GetPublicProductMessageController,
        GetBuyerMessageController,
        GetPurchaseMessageController,
        BillingHealthMessageController,
      ],
      providers: [
        { provide: BILLING_DEPS, useValue: deps },
        { provide: BILLING_CONTEXT, useValue: context },
        { provide: ServiceLifecycle, useValue: lifecycle },
      ],
    };
  }
}
