import { BillingSubjects, CheckoutEnrolment, CheckoutAnswer, CheckoutResult, Product, PublicProduct, PublicProductOfAccount, PurchaseView } from '@clientele/billing/contracts';
import { ClientsSubjects } from '@clientele/clients/contracts';
import { IdentitySubjects, type AccountView } from '@clientele/identity/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ClientTypes, ErrorCodes, Page } from '@clientele/platform/core';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { PageQuery } from '../http/pagination';
import { IsCurrencyInUse, IsPlainText } from '../http/validators';
import { ENROLMENT_WAIT_MS, enrolmentOf } from './checkout-enrolment';

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

const ENROLMENTS: CheckoutEnrolment[] = ['enrolled', 'waiting_for_seat', 'already_client', 'in_progress'];

/** The checkout's answer, for /docs (the contract is `CheckoutAnswer` in billing's contracts). */
export class CheckoutAnswerDoc implements CheckoutAnswer {
  @ApiProperty() purchaseId!: string;
  @ApiProperty() productId!: string;
  @ApiProperty({ enum: ['completed'], description: 'The payment; always completed (kept for compatibility).' }) status!: 'completed';
  @ApiProperty({
    enum: ENROLMENTS,
    description:
      'What became of the buyer: `enrolled` (a client now; an app type gets an invitation by e-mail), `waiting_for_seat` (on the waiting list: ' +
      'the invitation is e-mailed when a seat frees up), `already_client` (the purchase is on their profile), `in_progress` (not decided ' +
      'within a few seconds: ask GET /api/v1/checkout/purchases/{purchaseId}). Once decided it never changes: a repeated Idempotency-Key answers the same.',
  })
  enrolment!: CheckoutEnrolment;
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
  @ApiOperation({ summary: 'Buy a product. The same Idempotency-Key answers the same purchase and buys nothing more.' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiCreatedResponse({ type: CheckoutAnswerDoc, description: 'The purchase, and what became of the buyer (waits a few seconds for it).' })
  async checkout(@Body() body: CheckoutBody, @Headers('idempotency-key') key: string | undefined, @CorrelationId() correlationId: string): Promise<CheckoutAnswer> {
    if (key === undefined) throw new AppError(ErrorCodes.idempotencyKeyRequired, 'A checkout needs an Idempotency-Key header, so that paying twice is impossible.');
    const purchase = await send<CheckoutResult>(this.deps.requests, BillingSubjects.checkout, { correlationId, idempotencyKey: idempotencyKey(key), data: body });
    // The buyer is enrolled after the payment, by the clients service: the page needs to know how, to say what happens next.
    return { ...purchase, enrolment: await enrolmentOf(this.deps.requests, purchase.purchaseId, correlationId, ENROLMENT_WAIT_MS) };
  }

  @Get('checkout/purchases/:purchaseId')
  @Public()
  @ApiOperation({ summary: "A purchase as checkout answered it, with what became of the buyer: the page asks again while it is `in_progress`. 404 for an unknown id." })
  @ApiOkResponse({ type: CheckoutAnswerDoc })
  async purchaseStatus(@Param('purchaseId') purchaseId: string, @CorrelationId() correlationId: string): Promise<CheckoutAnswer> {
    const purchase = await send<PurchaseView>(this.deps.requests, BillingSubjects.getPurchase, { correlationId, data: { purchaseId } });
    return { purchaseId: purchase.purchaseId, productId: purchase.productId, status: 'completed', enrolment: await enrolmentOf(this.deps.requests, purchaseId, correlationId, 0) };
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
}
