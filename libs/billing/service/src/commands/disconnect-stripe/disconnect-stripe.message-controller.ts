import { BillingSubjects, type PaymentsSettings } from '@clientele/billing/contracts';
import { commandIdFor, commandMetadata } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { STRIPE_PAYMENTS } from '../../payments/payments.tokens';
import type { StripePaymentProviders } from '../../payments/stripe-payment-providers';

/**
 * Disconnects the account's Stripe (admin): checkouts stop going to it at once, and the key its
 * secrets were sealed with is destroyed, so they can never be read again (a later connection seals
 * with a new key). Purchases already started there keep their payment pages; their webhooks can no
 * longer be verified, so the administrator disconnects only once nothing is pending (or connects
 * again). Idempotent.
 */
@Controller()
export class DisconnectStripeMessageController {
  constructor(@Inject(STRIPE_PAYMENTS) private readonly payments: StripePaymentProviders) {}

  @MessagePattern(BillingSubjects.disconnectStripe)
  async disconnect(@Payload() envelope: RequestEnvelope<unknown>): Promise<PaymentsSettings> {
    const actor = requireAdmin(envelope.actor);
    await this.payments.disconnect(actor.accountId, {
      commandId: commandIdFor(envelope, (key) => `disconnect-stripe:${actor.accountId}:${key}`),
      metadata: commandMetadata(envelope, actor),
    });
    return this.payments.settings(actor.accountId);
  }
}
