import { BillingSubjects, type PaymentsSettings } from '@clientele/billing/contracts';
import { commandIdFor, commandMetadata } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { STRIPE_PAYMENTS } from '../../payments.tokens';
import type { StripePaymentProviders } from '../../stripe-payment-providers';

/**
 * Disconnects the account's Stripe (admin): checkouts stop going to it at once. Purchases already
 * started there keep their payment pages; their webhooks can no longer be verified, so the
 * administrator disconnects only once nothing is pending (or connects again). Idempotent.
 */
@Controller()
export class DisconnectStripeMessageController {
  constructor(@Inject(STRIPE_PAYMENTS) private readonly payments: StripePaymentProviders) {}

  @MessagePattern(BillingSubjects.disconnectStripe)
  async disconnect(@Payload() envelope: RequestEnvelope<unknown>): Promise<PaymentsSettings> {
    const actor = requireAdmin(envelope.actor);
    await this.payments.change(
      actor.accountId,
      { type: 'DisconnectStripe', accountId: actor.accountId, now: new Date().toISOString() },
      { commandId: commandIdFor(envelope, (key) => `disconnect-stripe:${actor.accountId}:${key}`), metadata: commandMetadata(envelope, actor) },
    );
    return this.payments.settings(actor.accountId);
  }
}
