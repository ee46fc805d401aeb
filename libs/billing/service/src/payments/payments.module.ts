import { DynamicModule, Module } from '@nestjs/common';
import { ConnectStripeMessageController } from './commands/connect-stripe/connect-stripe.message-controller';
import { DisconnectStripeMessageController } from './commands/disconnect-stripe/disconnect-stripe.message-controller';
import { STRIPE_PAYMENTS } from './payments.tokens';
import { PaymentsSettingsMessageController } from './queries/payments-settings/payments-settings.message-controller';
import type { StripePaymentProviders } from './stripe-payment-providers';

/** The account's Stripe connection: billing.cmd.connect-stripe, billing.cmd.disconnect-stripe, billing.query.payments-settings. */
@Module({})
export class PaymentsModule {
  static register(payments: StripePaymentProviders): DynamicModule {
    return {
      module: PaymentsModule,
      controllers: [ConnectStripeMessageController, DisconnectStripeMessageController, PaymentsSettingsMessageController],
      providers: [{ provide: STRIPE_PAYMENTS, useValue: payments }],
      exports: [STRIPE_PAYMENTS],
    };
  }
}
