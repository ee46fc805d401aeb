import { BillingSubjects, CheckoutEnrolment, CheckoutResult, Product, PublicProduct, PublicProductOfAccount, PurchaseView, RefundPurchaseResult } from '@clientele/billing/contracts';
import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentitySubjects, type AccountView } from '@clientele/identity/contracts';
import { requireCapability, type RequestActor } from '@clientele/platform/bus';
import { AppError, ClientTypes, ErrorCodes, Page } from '@clientele/platform/core';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { PageQuery } from '../http/pagination';
import { IsCurrencyInUse, IsPlainText } from '../http/validators';
import { ENROLMENT_WAIT_MS, enrolmentOf } from './checkout-enrolment';
import { CheckoutStatus, paymentStatusOf } from './checkout-status';

export class MoneyBody {
  @ApiProperty({ description: 'Integer minor units (cents).', example: 4900 }) @IsInt() @Min(0) @Max(100_000_000) amount!: number;
  @ApiProperty({ example: 'EUR', description: 'ISO 4217 code of a currency in circulation.' }) @IsCurrencyInUse() currency!: string;
}

export class SessionPackBody {
  @ApiProperty({ description: 'Sessions in the bundle each buyer gets.', example: 10, minimum: 1, maximum: 500 }) @IsInt() @Min(1) @Max(500) sessions!: number;
  @ApiPropertyOptional({ description: 'Days the bundle stays valid after the purchase; null or absent: no expiry.', example: 90, nullable: true, minimum: 1, maximum: 3650 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  validForDays?: number | null;
}

export class CreateProductBody {
  @ApiProperty({ example: '12-week strength program' }) @IsString() @Length(1, 200) @IsPlainText() name!: string;
  @ApiProperty({ type: MoneyBody }) @IsDefined() @ValidateNested() @Type(() => MoneyBody) price!: MoneyBody;
  @ApiPropertyOptional({ enum: ClientTypes, default: 'full_access_one_way', description: 'What buyers become.' })
  @IsOptional()
  @IsIn(ClientTypes)
  clientType?: (typeof ClientTypes)[number];
  @ApiPropertyOptional({ type: SessionPackBody, nullable: true, description: 'A session pack: every buyer gets a bundle of this many sessions (a program on their profile).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SessionPackBody)
  sessionPack?: SessionPackBody | null;
}

export class UpdateProductBody {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 200) name?: string;
  @ApiPropertyOptional({ type: MoneyBody }) @IsOptional() @ValidateNested() @Type(() => MoneyBody) price?: MoneyBody;
  @ApiPropertyOptional({ enum: ClientTypes }) @IsOptional() @IsIn(ClientTypes) clientType?: (typeof ClientTypes)[number];
  @ApiPropertyOptional({ type: SessionPackBody, nullable: true, description: 'null: no longer a session pack (past buyers keep their bundles).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => SessionPackBody)
  sessionPack?: SessionPackBody | null;
}

export class BuyerBody {
  @ApiProperty() @IsString() @Length(1, 100) @IsPlainText() firstName!: string;
  @ApiProperty() @IsString() @Length(1, 100) @IsPlainText() lastName!: string;
  @ApiProperty() @IsEmail() @MaxLength(254) email!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(40) phone?: string;
}

export class CheckoutBody {
  @ApiProperty() @IsString() @Length(1, 100) productId!: string;
  @ApiProperty({ type: BuyerBody }) @IsDefined() @ValidateNested() @Type(() => BuyerBody) buyer!: BuyerBody;
}

export class RefundBody {
  @ApiPropertyOptional({ type: MoneyBody, description: 'Part of the price to refund; absent: whatever is left of it.' })
  @IsOptional()
  @ValidateNested()
  @Type(() => MoneyBody)
  amount?: MoneyBody;
}

export class RefundAnswerDoc implements RefundPurchaseResult {
  @ApiProperty() purchaseId!: string;
  @ApiProperty({ type: MoneyBody, description: 'What is refunded.' }) amount!: MoneyBody;
  @ApiProperty({
    enum: ['requested', 'refunded'],
    description: '`requested`: asked of Stripe; the refund shows (in Finances too) once Stripe confirms it. `refunded`: a purchase paid without a provider, refunded at once.',
  })
  status!: 'requested' | 'refunded';
}

export class ClientPurchaseDoc {
  @ApiProperty() purchaseId!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({ enum: ['pending_payment', 'completed', 'not_completed', 'refunded', 'partially_refunded'] }) status!: PurchaseView['status'];
  @ApiProperty({ type: MoneyBody }) amount!: MoneyBody;
  @ApiProperty({ type: MoneyBody, description: 'Refunded so far (Stripe confirmed it).' }) refundedTotal!: MoneyBody;
}

const noSuchPurchase = () => new AppError(ErrorCodes.notFound, 'This client has no such purchase; open the Purchases tab of their profile again.');

const ENROLMENTS: CheckoutEnrolment[] = ['enrolled', 'waiting_for_seat', 'already_client', 'in_progress'];
const STATUSES: CheckoutStatus[] = ['completed', 'pending_payment', 'not_completed'];

/** The checkout's answer, for /docs (the contract is `CheckoutAnswer` in billing's contracts, with the payment's status). */
export class CheckoutAnswerDoc {
  @ApiProperty() purchaseId!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({
    enum: STATUSES,
    description:
      'The payment: `completed` (paid; a business without Stripe outside production is paid at once), `pending_payment` (the buyer pays on Stripe: ' +
      'send them to `paymentUrl`; Stripe sends them back to the checkout page with ?purchase=<purchaseId>), `not_completed` (the payment ' +
      'session expired or the payment failed: nothing was charged and nobody is enrolled).',
  })
  status!: CheckoutStatus;
  @ApiPropertyOptional({ description: "Stripe Checkout's page for this purchase, while it is pending_payment. The same Idempotency-Key answers the same page." })
  paymentUrl?: string;
  @ApiPropertyOptional({ enum: ['expired', 'payment_failed'], description: 'Why a payment is not_completed.' })
  reason?: 'expired' | 'payment_failed';
  @ApiProperty({
    enum: [...ENROLMENTS, 'none'],
    description:
      'What became of the buyer: `enrolled` (a client now; an app type gets an invitation by e-mail), `waiting_for_seat` (on the waiting list: ' +
      'the invitation is e-mailed when a seat frees up), `already_client` (the purchase is on their profile), `in_progress` (not decided ' +
      'within a few seconds, or the payment is still pending: ask GET /api/v1/checkout/purchases/{purchaseId}), `none` (the payment was not completed: ' +
      'nobody is enrolled). Once decided it never changes: a repeated Idempotency-Key answers the same.',
  })
  enrolment!: CheckoutEnrolment | 'none';
}

@ApiTags('Products and checkout')
@Controller('api/v1')
export class BillingController {
  constructor(@Inject(GATEWAY_DEPS) private readonly deps: GatewayDeps) {}

  @Post('products')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a product (needs manage_products). Buyers become clients of its type (default full_access_one_way).' })
  create(@Body() body: CreateProductBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Product> {
    return send(this.deps.requests, BillingSubjects.createProduct, { actor, correlationId, data: body });
  }

  @Get('products')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  list(@Query() query: PageQuery, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Page<Product>> {
    return send(this.deps.requests, BillingSubjects.listProducts, { actor, correlationId, data: { page: query.page, pageSize: query.pageSize } });
  }

  @Get('products/:id')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  get(@Param('id') productId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Product> {
    return send(this.deps.requests, BillingSubjects.getProduct, { actor, correlationId, data: { productId } });
  }

  @Patch('products/:id')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  update(@Param('id') productId: string, @Body() body: UpdateProductBody, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Product> {
    return send(this.deps.requests, BillingSubjects.updateProduct, { actor, correlationId, data: { productId, changes: body } });
  }

  @Post('products/:id/archive')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @HttpCode(200)
  @ApiOperation({ summary: 'Archive a product: it can no longer be bought.' })
  archive(@Param('id') productId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<Product> {
    return send(this.deps.requests, BillingSubjects.archiveProduct, { actor, correlationId, data: { productId } });
  }

  @Post('checkout')
  @Public()
  @RateLimited()
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Buy a product. The same Idempotency-Key answers the same purchase and buys nothing more. A business that connected Stripe sells through Stripe Checkout: ' +
      'the answer is pending_payment with the paymentUrl to send the buyer to. 409 payments_not_configured: a business without Stripe cannot sell in production.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiCreatedResponse({ type: CheckoutAnswerDoc, description: 'The purchase, and what became of the buyer (waits a few seconds for it once paid).' })
  async checkout(@Body() body: CheckoutBody, @Headers('idempotency-key') key: string | undefined, @CorrelationId() correlationId: string): Promise<CheckoutAnswerDoc> {
    if (key === undefined) throw new AppError(ErrorCodes.idempotencyKeyRequired, 'A checkout needs an Idempotency-Key header, so that paying twice is impossible.');
    const purchase = await send<CheckoutResult>(this.deps.requests, BillingSubjects.checkout, { correlationId, idempotencyKey: idempotencyKey(key), data: body });
    // Not paid yet: the buyer pays on Stripe's page first, and is enrolled once Stripe says so (the webhook); waiting here would only delay the redirect.
    if (purchase.status === 'pending_payment') {
      return { purchaseId: purchase.purchaseId, productId: purchase.productId, status: 'pending_payment', paymentUrl: purchase.paymentUrl, enrolment: 'in_progress' };
    }
    // The same key after Stripe said the payment was not made: nothing to wait for, a new attempt needs a new key.
    if (purchase.status === 'not_completed') return { purchaseId: purchase.purchaseId, productId: purchase.productId, status: 'not_completed', enrolment: 'none' };
    // The buyer is enrolled after the payment, by the clients service: the page needs to know how, to say what happens next.
    return { purchaseId: purchase.purchaseId, productId: purchase.productId, status: 'completed', enrolment: await enrolmentOf(this.deps.requests, purchase.purchaseId, correlationId, ENROLMENT_WAIT_MS) };
  }

  @Get('checkout/purchases/:purchaseId')
  @Public()
  @ApiOperation({
    summary:
      'A purchase as checkout answered it, with its payment and what became of the buyer: the page asks again while it is pending_payment or `in_progress` ' +
      "(after Stripe's page sent the buyer back). 404 for an unknown id.",
  })
  @ApiOkResponse({ type: CheckoutAnswerDoc })
  async purchaseStatus(@Param('purchaseId') purchaseId: string, @CorrelationId() correlationId: string): Promise<CheckoutAnswerDoc> {
    const purchase = await send<PurchaseView & { reason?: 'expired' | 'payment_failed' }>(this.deps.requests, BillingSubjects.getPurchase, { correlationId, data: { purchaseId } });
    const status = paymentStatusOf(purchase);
    const answer = { purchaseId: purchase.purchaseId, productId: purchase.productId, status };
    if (status === 'pending_payment') return { ...answer, ...(purchase.paymentUrl ? { paymentUrl: purchase.paymentUrl } : {}), enrolment: 'in_progress' };
    if (status === 'not_completed') return { ...answer, ...(purchase.reason ? { reason: purchase.reason } : {}), enrolment: 'none' };
    return { ...answer, enrolment: await enrolmentOf(this.deps.requests, purchaseId, correlationId, 0) };
  }

  @Get('checkout/products/:id')
  @Public()
  @ApiOperation({ summary: 'What the public checkout page shows of a product: name, price, client type, archived, and the business that sells it. 404 for an unknown id.' })
  async publicProduct(@Param('id') productId: string, @CorrelationId() correlationId: string): Promise<PublicProduct> {
    const { accountId, ...product } = await send<PublicProductOfAccount>(this.deps.requests, BillingSubjects.getPublicProduct, { correlationId, data: { productId } });
    const account = await send<AccountView>(this.deps.requests, IdentitySubjects.getAccount, { correlationId, data: { accountId } });
    return { ...product, businessName: account.businessName };
  }

  @Get('clients/:id/purchases')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The client's purchases, newest first." })
  purchases(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string) {
    return send(this.deps.requests, ClientsSubjects.getPurchases, { actor, correlationId, data: { clientId } });
  }

  @Get('clients/:id/purchases/:purchaseId')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: "One of the client's purchases with its payment: status (completed, refunded, partially_refunded...), amount and what was refunded so far. 404 as the list." })
  @ApiOkResponse({ type: ClientPurchaseDoc })
  async purchase(@Param('id') clientId: string, @Param('purchaseId') purchaseId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string): Promise<ClientPurchaseDoc> {
    await this.clientPurchase(clientId, purchaseId, actor, correlationId);
    const purchase = await send<PurchaseView>(this.deps.requests, BillingSubjects.getPurchase, { correlationId, data: { purchaseId } });
    if (purchase.accountId !== actor.accountId) throw noSuchPurchase();
    return { purchaseId: purchase.purchaseId, productId: purchase.productId, status: purchase.status, amount: purchase.amount, refundedTotal: purchase.refundedTotal };
  }

  /** The clients service says whether the caller may see this client (another account's, or another coach's: 404) and what the client bought. */
  private async clientPurchase(clientId: string, purchaseId: string, actor: RequestActor, correlationId: string): Promise<void> {
    const bought = await send<{ items: Array<{ purchaseId: string }> | null }>(this.deps.requests, ClientsSubjects.getPurchases, { actor, correlationId, data: { clientId } });
    if (!(bought.items ?? []).some((item) => item.purchaseId === purchaseId)) throw noSuchPurchase();
  }

  @Post('clients/:id/purchases/:purchaseId/refund')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @HttpCode(202)
  @ApiOperation({
    summary:
      "Refund a client's purchase (needs manage_products), in full or `amount` of it, through the payment provider it was paid with. 202: asked of Stripe " +
      '(with an idempotency key: asking again refunds once); the purchase shows as refunded, and Finances counts it, once Stripe confirms it. 404 for a ' +
      "purchase that is not this client's, or a client the caller cannot see.",
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiAcceptedResponse({ type: RefundAnswerDoc })
  async refund(
    @Param('id') clientId: string,
    @Param('purchaseId') purchaseId: string,
    @Body() body: RefundBody,
    @Headers('idempotency-key') key: string | undefined,
    @CurrentActor() actor: RequestActor,
    @CorrelationId() correlationId: string,
  ): Promise<RefundAnswerDoc> {
    // Who may refund is said before anything of the client or the purchase is looked at.
    requireCapability(actor, 'manage_products', 'refund a purchase');
    await this.clientPurchase(clientId, purchaseId, actor, correlationId);
    return send<RefundPurchaseResult>(this.deps.requests, BillingSubjects.refundPurchase, {
      actor,
      correlationId,
      idempotencyKey: idempotencyKey(key),
      data: { purchaseId, ...(body.amount ? { amount: { amount: body.amount.amount, currency: body.amount.currency } } : {}) },
    });
  }
}
