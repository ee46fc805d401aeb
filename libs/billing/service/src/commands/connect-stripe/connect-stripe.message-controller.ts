import { BillingSubjects, type ConnectStripeRequest, type PaymentsSettings } from '@clientele/billing/contracts';
import { commandIdFor, commandMetadata } from '@clientele/platform/application';
import { requireAdmin, type RequestEnvelope } from '@clientele/platform/bus';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { STRIPE_PAYMENTS } from '../../payments/payments.tokens';
import type { StripePaymentProviders } from '../../payments/stripe-payment-providers';

/**
 * Connects the account's own Stripe (admin): its secret key and its webhook endpoint's signing
 * secret. The key is checked with Stripe first (stripe_key_rejected, or 503 when Stripe cannot be
 * asked: nothing stored either way), then sealed in the event; a new connection replaces the keys.
 * Answers the settings, never a key.
 */
@Controller()
export class ConnectStripeMessageController {
  constructor(@Inject(STRIPE_PAYMENTS) private readonly payments: StripePaymentProviders) {}

  @MessagePattern(BillingSubjects.connectStripe)
  async connect(@Payload() envelope: RequestEnvelope<ConnectStripeRequest>): Promise<PaymentsSettings> {
    const actor = requireAdmin(envelope.actor);
    // Pasted keys often carry a space or a line break at either end.
    const secretKey = String(envelope.data?.secretKey ?? '').trim();
    const webhookSecret = String(envelope.data?.webhookSecret ?? '').trim();
    await this.payments.connect(
      actor.accountId,
      { secretKey, webhookSecret },
      { commandId: commandIdFor(envelope, (key) => `connect-stripe:${actor.accountId}:${key}`), metadata: commandMetadata(envelope, actor) },
    );
    return this.payments.settings(actor.accountId);
  }
}
