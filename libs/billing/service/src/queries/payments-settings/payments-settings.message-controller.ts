import { BillingSubjects, type PaymentsSettings } from '@clientele/billing/contracts';
import { requireStaff, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { STRIPE_PAYMENTS } from '../../payments/payments.tokens';
import type { StripePaymentProviders } from '../../payments/stripe-payment-providers';

/** How the account takes payments (staff): the provider, its mode and key hint, whether it can sell, and the business's own webhook URL. */
@Controller()
export class PaymentsSettingsMessageController {
  constructor(@Inject(STRIPE_PAYMENTS) private readonly payments: StripePaymentProviders) {}

  @MessagePattern(BillingSubjects.paymentsSettings)
  async settings(@Payload() envelope: RequestEnvelope<unknown>): Promise<PaymentsSettings> {
    const actor = requireStaff(envelope.actor);
    return this.payments.settings(actor.accountId);
  }
}
