import { BillingSubjects, ProviderEvent, RecordProviderEventResult, type StripeWebhookDelivery } from '@clientele/billing/contracts';
import { commandMetadata } from '@clientele/platform/application';
import type { RequestEnvelope } from '@clientele/platform/bus';
import { crashPoint } from '@clientele/platform/config';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BILLING_CONTEXT } from '../../billing.deps';
import type { BillingContext } from '../../billing.context';
import { STRIPE_PAYMENTS } from '../../payments/payments.tokens';
import type { StripePaymentProviders } from '../../payments/stripe-payment-providers';
import { isStripeDelivery, openStripeDelivery } from '../../payments/stripe-webhook';

/**
 * Internal: what the payment provider's webhook said of a purchase: Stripe's raw delivery (its
 * signature verified here, with the account's webhook secret, which never leaves billing) or an
 * event already read. The provider's event id is the command id: a redelivery (Stripe retries for days, and
 * again after a lost answer) appends nothing twice. The answer comes once the append is durable,
 * so the webhook answers 2xx only for what is recorded. A purchase of another account than the
 * event's is not found.
 */
@Controller()
export class RecordProviderEventMessageController {
  constructor(
    @Inject(BILLING_CONTEXT) private readonly context: BillingContext,
    @Inject(STRIPE_PAYMENTS) private readonly stripe: StripePaymentProviders,
  ) {}

  @MessagePattern(BillingSubjects.recordProviderEvent)
  async record(@Payload() envelope: RequestEnvelope<ProviderEvent | StripeWebhookDelivery>): Promise<RecordProviderEventResult> {
    const event = isStripeDelivery(envelope.data) ? await openStripeDelivery(this.stripe, envelope.data) : envelope.data;
    if (typeof event?.eventId !== 'string' || event.eventId.length === 0) {
      throw new AppError(ErrorCodes.validationFailed, 'A provider event needs its id.', [{ field: 'eventId', message: 'must be the provider’s event id' }]);
    }
    if (event.type === 'ignored') return { eventId: event.eventId, recorded: false };
    if (typeof event.purchaseId !== 'string' || typeof event.accountId !== 'string') throw new AppError(ErrorCodes.notFound, 'No purchase with this id.');
    const result = await this.context.changePurchase(
      event.purchaseId,
      { type: 'RecordProviderEvent', event, metadata: { now: new Date().toISOString() } },
      `stripe-event:${event.eventId}`,
      commandMetadata(envelope, { id: 'stripe', role: 'system', accountId: event.accountId }),
    );
    // Recorded, not yet answered: the worst moment to die (test/stripe-crash.e2e.spec.ts crashes here, once, when
    // CLIENTELE_CRASH_ONCE names this point; unarmed it does nothing). Stripe then gets no 2xx and delivers the event
    // again, which the command id above makes harmless.
    crashPoint('billing.provider-event-recorded');
    return { eventId: event.eventId, recorded: !result.alreadyHandled && result.events.length > 0 };
  }
}
