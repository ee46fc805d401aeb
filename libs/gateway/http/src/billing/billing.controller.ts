import { BillingSubjects, CheckoutResult, Product, PublicProduct } from '@clientele/billing/contracts';
import { ClientsSubjects } from '@clientele/clients/contracts';
import type { RequestActor } from '@clientele/platform/bus';
import { AppError, ClientTypes, ErrorCodes, Page } from '@clientele/platform/core';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsEmail, IsIn, IsInt, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { CorrelationId, CurrentActor, Public, RateLimited, Roles } from '../auth/auth.decorators';
import { GATEWAY_DEPS, GatewayDeps } from '../gateway.deps';
import { idempotencyKey, send } from '../http/gateway-requests';
import { PageQuery } from '../http/pagination';
import { IsCurrencyInUse, IsPlainText } from '../http/validators';

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
  @ApiCreatedResponse({ schema: { example: { purchaseId: '…', productId: '…', status: 'completed' } } })
  checkout(@Body() body: CheckoutBody, @Headers('idempotency-key') key: string | undefined, @CorrelationId() correlationId: string): Promise<CheckoutResult> {
    if (key === undefined) throw new AppError(ErrorCodes.idempotencyKeyRequired, 'A checkout needs an Idempotency-Key header, so that paying twice is impossible.');
    return send(this.deps.requests, BillingSubjects.checkout, { correlationId, idempotencyKey: idempotencyKey(key), data: body });
  }

  @Get('checkout/products/:id')
  @Public()
  @ApiOperation({ summary: 'What the public checkout page shows of a product: name, price, client type, archived. 404 for an unknown id.' })
  publicProduct(@Param('id') productId: string, @CorrelationId() correlationId: string): Promise<PublicProduct> {
    return send(this.deps.requests, BillingSubjects.getPublicProduct, { correlationId, data: { productId } });
  }

  @Get('clients/:id/purchases')
  @Roles('admin', 'coach')
  @ApiBearerAuth()
  @ApiOperation({ summary: "The client's purchases, newest first." })
  purchases(@Param('id') clientId: string, @CurrentActor() actor: RequestActor, @CorrelationId() correlationId: string) {
    return send(this.deps.requests, ClientsSubjects.getPurchases, { actor, correlationId, data: { clientId } });
  }
}
