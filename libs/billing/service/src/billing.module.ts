import { OutboxRelay, ProcessorRunner, ServiceLifecycle, processorOptions } from '@clientele/platform/application';
import { DynamicModule, Module } from '@nestjs/common';
import { BillingContext } from './billing.context';
import { BILLING_CONTEXT, BILLING_DEPS, BillingDeps } from './billing.deps';
import { ArchiveProductMessageController } from './commands/archive-product/archive-product.message-controller';
import { CheckoutMessageController } from './commands/checkout/checkout.message-controller';
import { ConnectStripeMessageController } from './commands/connect-stripe/connect-stripe.message-controller';
import { CreateProductMessageController } from './commands/create-product/create-product.message-controller';
import { DisconnectStripeMessageController } from './commands/disconnect-stripe/disconnect-stripe.message-controller';
import { RecordProviderEventMessageController } from './commands/record-provider-event/record-provider-event.message-controller';
import { RefundPurchaseMessageController } from './commands/refund-purchase/refund-purchase.message-controller';
import { UpdateProductMessageController } from './commands/update-product/update-product.message-controller';
import { billingIntegrationEvents } from './outbox';
import { PaymentProvider, PaymentProviders } from './payments/payment-provider';
import { STRIPE_PAYMENTS } from './payments/payments.tokens';
import { StripePaymentProviders } from './payments/stripe-payment-providers';
import { GetBuyerMessageController } from './queries/get-buyer/get-buyer.message-controller';
import { GetProductMessageController } from './queries/get-product/get-product.message-controller';
import { GetPublicProductMessageController } from './queries/get-public-product/get-public-product.message-controller';
import { GetPurchaseMessageController } from './queries/get-purchase/get-purchase.message-controller';
import { BillingHealthMessageController } from './queries/health/health.message-controller';
import { ListProductsMessageController } from './queries/list-products/list-products.message-controller';
import { PaymentsSettingsMessageController } from './queries/payments-settings/payments-settings.message-controller';
import { PRODUCTS, ProductsProjection } from './read-models/products.projection';

/** One provider for every account (a test's, or CompletedImmediately), as the providers of accounts. */
export const sameProviderForEveryAccount = (provider: PaymentProvider): PaymentProviders => ({ forAccount: async () => provider });

const isProviders = (payments: PaymentProvider | PaymentProviders): payments is PaymentProviders => typeof (payments as PaymentProviders).forAccount === 'function';

/** Products and checkout. Answers `billing.*`, publishes `billing.purchase.*`. */
@Module({})
export class BillingModule {
  /**
   * `payments`: who takes the buyers' money, per account, or one provider for all (a test's). Without
   * it, each account's own: Stripe once its administrator connected it; before that, an immediate
   * (unpaid) completion outside production, and a refusal in production (`deps.immediatePayments`).
   */
  static register(deps: BillingDeps, payments?: PaymentProvider | PaymentProviders): DynamicModule {
    const options = processorOptions('billing', deps);
    const views = new ProcessorRunner(deps.events, deps.documents, new ProductsProjection(deps.documents), options);
    const outbox = new ProcessorRunner(deps.events, deps.documents, new OutboxRelay(deps.bus, billingIntegrationEvents, 'billing_outbox'), options);
    const stripe = new StripePaymentProviders(deps, {
      immediateWithoutProvider: deps.immediatePayments ?? true,
      publicUrl: deps.publicUrl ?? 'http://localhost:3000',
      stripe: { apiUrl: deps.stripeApiUrl },
    });
    const providers = payments === undefined ? stripe : isProviders(payments) ? payments : sameProviderForEveryAccount(payments);
    const context = new BillingContext(deps, providers, () => views);
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
        RecordProviderEventMessageController,
        RefundPurchaseMessageController,
        ConnectStripeMessageController,
        DisconnectStripeMessageController,
        ListProductsMessageController,
        GetProductMessageController,
        GetPublicProductMessageController,
        GetBuyerMessageController,
        GetPurchaseMessageController,
        PaymentsSettingsMessageController,
        BillingHealthMessageController,
      ],
      providers: [
        { provide: BILLING_DEPS, useValue: deps },
        { provide: BILLING_CONTEXT, useValue: context },
        // The accounts' Stripe connections (connect, disconnect, settings, and the webhook's secrets).
        { provide: STRIPE_PAYMENTS, useValue: stripe },
        { provide: ServiceLifecycle, useValue: lifecycle },
      ],
    };
  }
}
