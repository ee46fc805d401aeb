import { BillingSubjects, PaymentsErrors, type RecordProviderEventResult, type StripeWebhookDelivery } from '@clientele/billing/contracts';
import { AppError, ErrorCodes } from '@clientele/platform/core';
import { Controller, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiProperty,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CorrelationId, Public } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { STRIPE_ACCOUNT_WEBHOOK_PATH, STRIPE_WEBHOOK_PATH, WEBHOOK_BODY_LIMIT_BYTES } from './raw-body';
import { WebhookRefusals } from './webhook-refusals';

export class WebhookReceivedDoc {
  @ApiProperty({ example: true }) received!: true;
}

/** `t=<unix seconds>,v1=<hex>[,v1=…][,v0=…]`: anything else is not a Stripe signature, refused without asking billing. */
const SIGNATURE_HEADER = /^(?=.*(?:^|,)t=\d{1,12}(?:,|$))(?=.*(?:^|,)v1=[0-9a-f]{64}(?:,|$))[A-Za-z0-9=,]{1,2000}$/;

/** An account id as the URL may carry one (ours are UUIDs); anything else names no business. */
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,100}$/;

const EVENTS_SUMMARY =
  'checkout.session.completed, checkout.session.async_payment_succeeded, checkout.session.async_payment_failed, checkout.session.expired, charge.refunded';

/**
 * Stripe's webhook: a business's own URL (`/webhook/<accountId>`), and the first version's URL for
 * every business. Public (Stripe has no token of ours), but only a valid signature opens it: the
 * raw body (kept as the bytes Stripe sent, see raw-body.ts) and the Stripe-Signature header go to
 * billing, which holds each account's signing secret, verifies the signature with Stripe's own
 * library and a five-minute tolerance, and records the event under Stripe's event id before it
 * answers. So the gateway never sees a secret, a refused delivery records nothing, and the 200
 * comes only once the event is durably recorded: a delivery that fails or times out (billing down,
 * a crash between recording and answering) gets no 2xx and Stripe delivers it again, which the
 * event id makes harmless.
 */
@ApiTags('Payments')
@Controller()
export class StripeWebhookController {
  private readonly refusals: WebhookRefusals;

  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {
    this.refusals = new WebhookRefusals(() => deps.authRateLimitPerMinute);
  }

  @Post(STRIPE_ACCOUNT_WEBHOOK_PATH.slice(1))
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      `A business's own Stripe webhook, the URL its Payments settings show (${EVENTS_SUMMARY}). Every event is verified on the raw body against the ` +
      "Stripe-Signature header with that business's signing secret; 200 only once the event is recorded, and a redelivered event changes nothing. " +
      'A verified event that is not one of its purchases (a charge made elsewhere, no metadata) is answered 200 and recorded as nothing, so Stripe does not retry it. ' +
      '400 invalid_signature (nothing recorded) for an unsigned, tampered or stale delivery, or an account without Stripe.',
  })
  @ApiParam({ name: 'accountId', description: 'The business whose signing secret verifies the events.' })
  @ApiConsumes('application/json')
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: "Stripe's signature of the body: t=<timestamp>,v1=<HMAC-SHA256>." })
  @ApiBody({ description: 'The Stripe event, exactly as Stripe sent it.', schema: { type: 'object' } })
  @ApiOkResponse({ type: WebhookReceivedDoc, description: 'Recorded, recorded before (a redelivery), or not a purchase of this business (nothing recorded).' })
  @ApiBadRequestResponse({ description: 'invalid_signature: nothing was recorded.' })
  @ApiTooManyRequestsResponse({ description: 'rate_limited: too many refused deliveries from this address; Retry-After says when to try again.' })
  async receiveForAccount(@Req() request: FastifyRequest, @Param('accountId') accountId: string, @CorrelationId() correlationId: string): Promise<WebhookReceivedDoc> {
    return this.deliver(request, correlationId, accountId);
  }

  @Post(STRIPE_WEBHOOK_PATH.slice(1))
  @Public()
  @HttpCode(200)
  @ApiOperation({
    summary:
      `The first version's Stripe webhook, one URL for every business, kept working (${EVENTS_SUMMARY}): the business is the one the event's metadata names, ` +
      "and its signing secret verifies the event. An event that names no business (not Clientele's) is refused with 400 invalid_signature, which Stripe retries: " +
      "use the business's own URL (POST /api/v1/payments/stripe/webhook/{accountId}) instead. 200 only once the event is recorded.",
  })
  @ApiConsumes('application/json')
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: "Stripe's signature of the body: t=<timestamp>,v1=<HMAC-SHA256>." })
  @ApiBody({ description: 'The Stripe event, exactly as Stripe sent it.', schema: { type: 'object' } })
  @ApiOkResponse({ type: WebhookReceivedDoc, description: 'Recorded (or recorded before: a redelivery).' })
  @ApiBadRequestResponse({ description: 'invalid_signature: nothing was recorded.' })
  @ApiTooManyRequestsResponse({ description: 'rate_limited: too many refused deliveries from this address; Retry-After says when to try again.' })
  async receive(@Req() request: FastifyRequest, @CorrelationId() correlationId: string): Promise<WebhookReceivedDoc> {
    return this.deliver(request, correlationId);
  }

  private async deliver(request: FastifyRequest, correlationId: string, accountId?: string): Promise<WebhookReceivedDoc> {
    this.refusals.check(request.ip);
    const body = request.body;
    const header = request.headers['stripe-signature'];
    const signature = typeof header === 'string' ? header.trim() : undefined;
    if (!Buffer.isBuffer(body) || body.length === 0 || signature === undefined || !SIGNATURE_HEADER.test(signature)) {
      this.refusals.refused(request.ip);
      throw PaymentsErrors.invalidSignature(signature === undefined ? 'the request has no Stripe-Signature header' : 'its Stripe-Signature header is not one Stripe writes');
    }
    if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) {
      this.refusals.refused(request.ip);
      throw PaymentsErrors.invalidSignature('its URL names no business that connected Stripe');
    }
    if (body.length > WEBHOOK_BODY_LIMIT_BYTES) {
      throw new AppError(ErrorCodes.payloadTooLarge, `A Stripe event is never larger than ${WEBHOOK_BODY_LIMIT_BYTES / 1024} KiB; this body was refused.`);
    }
    const delivery: StripeWebhookDelivery = { provider: 'stripe', rawBody: body.toString('base64'), signature, ...(accountId !== undefined ? { accountId } : {}) };
    try {
      // Verified and recorded by billing (it holds the secret); the answer comes once the event is durable.
      await send<RecordProviderEventResult>(this.deps.requests, BillingSubjects.recordProviderEvent, { correlationId, data: delivery });
    } catch (error) {
      if (error instanceof AppError && error.code === PaymentsErrors.invalidSignature.code) this.refusals.refused(request.ip);
      throw error;
    }
    return { received: true };
  }
}
