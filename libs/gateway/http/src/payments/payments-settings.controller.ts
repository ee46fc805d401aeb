import { BillingSubjects, STRIPE_WEBHOOK_EVENTS, type PaymentsSettings } from '@clientele/billing/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { Body, Controller, Delete, Get, HttpCode, Inject, Put, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { CorrelationId, CurrentActor, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { send } from '../http/gateway-requests';
import { STRIPE_WEBHOOK_PATH } from './raw-body';

/**
 * The business's own Stripe keys. Write-only: they are sealed by billing and never answered, logged
 * (the logger redacts every `secret` field) or shown again; the settings show a hint of the key.
 */
export class ConnectStripeBody {
  @ApiProperty({ description: "The secret key (or a restricted key) from Stripe's Developers > API keys: sk_test_…, sk_live_… or rk_….", writeOnly: true })
  // Its form is billing's to check: it says what is wrong with a pasted key (a publishable one, say) in words.
  @IsString()
  @Length(1, 300)
  secretKey!: string;

  @ApiProperty({ description: "The webhook's signing secret from Stripe's Developers > Webhooks (whsec_…), for the endpoint at webhookUrl.", writeOnly: true })
  @IsString()
  @Length(1, 300)
  webhookSecret!: string;
}

export class PaymentsSettingsDoc {
  @ApiProperty({ enum: ['stripe', 'none'] }) provider!: 'stripe' | 'none';
  @ApiProperty() connected!: boolean;
  @ApiPropertyOptional({ enum: ['test', 'live'], description: 'Test-mode keys take test cards only.' }) mode?: 'test' | 'live';
  @ApiPropertyOptional({ example: 'sk_test_…4242', description: 'The start and the last four characters of the key, to tell which one is connected.' }) keyHint?: string;
  @ApiProperty({ description: 'Whether products can be bought now: with Stripe connected, or outside production (paid at once, for trying things out).' }) canSell!: boolean;
  @ApiProperty({
    example: 'https://app.example.com/api/v1/payments/stripe/webhook/7d0c2f0e-6b1a-4c5e-9a39-3f0b8f2d1c44',
    description:
      "This business's own endpoint URL, to add in Stripe's Developers > Webhooks: every event of its Stripe account is verified with its signing secret there, and one that is not a Clientele purchase is acknowledged and ignored.",
  })
  webhookUrl!: string;
  @ApiProperty({ isArray: true, enum: STRIPE_WEBHOOK_EVENTS, description: 'The events to enable for that endpoint.' }) webhookEvents!: string[];
}

/**
 * How the business takes payments: connect its own Stripe account (admin), see whether it is
 * connected (staff), disconnect it (admin). Billing keeps the keys; the gateway only passes them on.
 */
@ApiTags('Payments')
@Controller('api/v1/account/payments')
export class PaymentsSettingsController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Get()
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'How the business takes payments: Stripe connected or not, its mode and key hint (never the key), and the webhook URL and events to set up in Stripe.' })
  @ApiOkResponse({ type: PaymentsSettingsDoc })
  async get(@Req() request: FastifyRequest, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<PaymentsSettingsDoc> {
    return withWebhook(request, actor, await send<PaymentsSettings>(this.deps.requests, BillingSubjects.paymentsSettings, { actor, correlationId, data: {} }));
  }

  @Put('stripe')
  @Roles('admin')
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "Connect the business's Stripe account (admin): its secret key and the webhook's signing secret. Replaces a connected one. The key is first checked with Stripe " +
      '(one read of its Checkout Sessions): 400 validation_failed for what is not a secret key (a publishable pk_… key, say), 400 stripe_key_rejected when Stripe does not accept it ' +
      '(revoked, mistyped, a restricted key without the Checkout Sessions permission), 503 when Stripe cannot be reached; nothing is stored in any of these cases. ' +
      'From then on checkout sells through Stripe Checkout. The keys are stored sealed and never shown again.',
  })
  @ApiOkResponse({ type: PaymentsSettingsDoc })
  @ApiBadRequestResponse({ description: 'validation_failed (not a Stripe secret key or webhook secret, per field) or stripe_key_rejected (Stripe did not accept the key); nothing stored.' })
  @ApiServiceUnavailableResponse({ description: 'unavailable: Stripe could not be reached to check the key; nothing stored.' })
  async connect(@Body() body: ConnectStripeBody, @Req() request: FastifyRequest, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<PaymentsSettingsDoc> {
    const connected = await send<PaymentsSettings>(this.deps.requests, BillingSubjects.connectStripe, {
      actor,
      correlationId,
      data: { secretKey: body.secretKey, webhookSecret: body.webhookSecret },
    });
    return withWebhook(request, actor, connected);
  }

  @Delete('stripe')
  @Roles('admin')
  @ApiBearerAuth()
  @HttpCode(204)
  @ApiOperation({
    summary:
      'Disconnect Stripe (admin): the key its secrets were sealed with is destroyed, so they can never be read again (connecting later seals new ones with a new key); ' +
      'purchases already paid stay. Checkout can no longer sell in production until Stripe is connected again.',
  })
  @ApiNoContentResponse()
  async disconnect(@CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<void> {
    await send(this.deps.requests, BillingSubjects.disconnectStripe, { actor, correlationId, data: {} });
  }
}

/**
 * Billing names the business's webhook URL from PUBLIC_URL; without it the address the admin
 * reached the API at is the best guess (the settings page runs on it). Only the fields of the settings are answered,
 * whatever else billing's answer may hold: nothing secret can slip out through this route.
 */
function withWebhook(request: FastifyRequest, actor: RequestActor, settings: PaymentsSettings): PaymentsSettingsDoc {
  const webhookUrl = settings.webhookUrl || `${request.protocol}://${request.host}${STRIPE_WEBHOOK_PATH}/${encodeURIComponent(actor.accountId)}`;
  return {
    provider: settings.provider,
    connected: settings.connected,
    ...(settings.mode !== undefined ? { mode: settings.mode } : {}),
    ...(settings.keyHint !== undefined ? { keyHint: settings.keyHint } : {}),
    canSell: settings.canSell,
    webhookUrl,
    webhookEvents: [...STRIPE_WEBHOOK_EVENTS],
  };
}
